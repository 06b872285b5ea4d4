from programs.imports import ImportCommand
from supervision.hours_import import HoursImporter


class Command(ImportCommand):
    help = "Import hours worked per peer and day from CSV (peer_email,date,hours). All or none."
    importer = HoursImporter
