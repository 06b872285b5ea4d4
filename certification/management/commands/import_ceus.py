from certification.ceu_import import CeuImporter
from programs.imports import ImportCommand


class Command(ImportCommand):
    help = "Import CEU hours from CSV (peer_email,date,hours,title,provider,topic). All or none."
    importer = CeuImporter
