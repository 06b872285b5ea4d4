from encounters.encounter_import import EncounterImporter
from programs.imports import ImportCommand


class Command(ImportCommand):
    help = (
        "Import encounters and survey answers from a CSV file (all rows or none; "
        "re-importing the same external_id adds nothing)."
    )
    importer = EncounterImporter
