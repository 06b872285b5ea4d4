from programs.imports import ImportCommand
from programs.staff_import import StaffImporter


class Command(ImportCommand):
    help = (
        "Import staff from CSV (email,first_name,last_name,role,program,certification_number,"
        "certified_on,hire_date,license_type,license_number,licensed_on). All rows or none."
    )
    importer = StaffImporter
