"""The direction of dependency is a contract (pyproject.toml, [tool.importlinter]) that the
test command checks with lint-imports. These tests prove the contract bites: a copy of the
code with one upward import planted fails it, and the list standing for encounters' own
layer leaves no module out."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "programs", "certification", "encounters", "supervision", "training")
LINT = str(Path(sys.executable).with_name("lint-imports"))


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT, "--no-cache", str(tree / "pyproject.toml")],
        cwd=tree,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def code_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("code")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_code_as_it_is_keeps_every_contract(code_copy: Path):
    result = _lint(code_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        # inside a function, as lazy imports used to be
        (
            "programs/planted.py",
            "def f():\n    from encounters.reporting import figures\n",
            "Layers",
        ),
        ("certification/planted.py", "from encounters import models\n", "Layers"),
        ("encounters/management/planted.py", "from supervision import selectors\n", "Layers"),
        ("encounters/management/planted.py", "import encounters.reporting.figures\n", "Layers"),
        ("config/accounts/planted.py", "from programs import audit\n", "Layers"),
        ("supervision/planted.py", "from encounters.reporting import services\n", "Layers"),
        ("training/planted.py", "from supervision import models\n", "Training"),
        ("training/planted.py", "from encounters.reporting import figures\n", "Training"),
    ],
)
def test_a_planted_upward_import_breaks_the_contract(
    code_copy: Path, module: str, source: str, broken: str
):
    planted = code_copy / module
    planted.write_text(source)
    try:
        result = _lint(code_copy)
    finally:
        planted.unlink()
    assert result.returncode == 1, result.stdout
    dotted = module.removesuffix(".py").replace("/", ".")
    assert f"{dotted} -> " in result.stdout  # the offending import is named
    assert any(
        line.startswith(broken) and line.endswith("BROKEN") for line in result.stdout.splitlines()
    )


def test_encounters_own_layer_names_every_module_but_reporting():
    """import-linter's layers cannot nest, so encounters' layer lists its modules; a new
    module left out of that list would escape the contract."""
    (layers,) = [c for c in _contracts() if c["id"] == "layers"]
    (listed,) = [layer for layer in layers["layers"] if layer.startswith("encounters.apps")]
    names = {name.strip() for name in listed.split(":")}
    present = {
        f"encounters.{m.name}"
        for m in pkgutil.iter_modules([str(ROOT / "encounters")])
        if m.name != "reporting"
    }
    assert names == present


# --- every CSV and XLSX file is written through programs.spreadsheets ---------------------

SPREADSHEET_WRITER = ROOT / "programs" / "spreadsheets.py"
_CSV_WRITERS = {"writer", "DictWriter"}


def _direct_spreadsheet_writers(path: Path, source: str) -> list[str]:
    """Where the source writes a CSV or XLSX file itself (csv.writer, csv.DictWriter,
    openpyxl's Workbook) instead of through programs.spreadsheets, which guards every cell."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if (node.module == "csv" and names & _CSV_WRITERS) or (
                node.module.startswith("openpyxl") and "Workbook" in names
            ):
                found.append(f"{path}:{node.lineno} imports {', '.join(sorted(names))}")
        elif isinstance(node, ast.Attribute):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            root = base.id if isinstance(base, ast.Name) else ""
            if (root == "csv" and node.attr in _CSV_WRITERS) or (
                root == "openpyxl" and node.attr == "Workbook"
            ):
                found.append(f"{path}:{node.lineno} uses {root}.{node.attr}")
    return found


def test_every_csv_and_xlsx_is_written_through_the_one_guarded_writer():
    """A new export that wrote a CSV or workbook by hand could forget the formula guard."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == SPREADSHEET_WRITER or "migrations" in path.parts:
                continue
            found += _direct_spreadsheet_writers(path.relative_to(ROOT), path.read_text())
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "import csv\nw = csv.writer(f)\n",
        "import csv\ndef f(out):\n    return csv.DictWriter(out, fieldnames=[])\n",
        "from csv import writer\n",
        "from openpyxl import Workbook\n",
        "import openpyxl\nbook = openpyxl.Workbook()\n",
        "from openpyxl.workbook import Workbook\n",
    ],
)
def test_the_writer_check_finds_a_hand_written_export(source: str):
    assert _direct_spreadsheet_writers(Path("programs/planted.py"), source)


def test_the_writer_check_lets_reading_through():
    reading = "import csv\nfrom openpyxl import load_workbook\nrows = csv.reader(f)\n"
    assert _direct_spreadsheet_writers(Path("programs/planted.py"), reading) == []


# --- every uploaded file passes programs.uploads ------------------------------------------

# Files the app writes itself: no person uploads them, and no form or admin page offers
# them (checked below). Each with what writes it.
WRITTEN_BY_THE_APP = {
    "reporting.ReportRun.pdf": "rendered by the report task",
    "reporting.ReportRun.csv": "written by the report task",
    "reporting.ReportRun.xlsx": "written by the report task",
    "reporting.ReportRun.json": "written by the report task",
    "supervision.RecordExport.file": "the supervision record PDF, rendered by a task",
    "training.Enrollment.certificate": "the course certificate PDF, rendered by a task",
}


def _our_models() -> list[Any]:
    from django.apps import apps

    return [m for m in apps.get_models() if m.__module__.split(".")[0] in PACKAGES]


def _model_file_fields() -> list[tuple[str, Any]]:
    from django.db import models

    return [
        (f"{m._meta.label}.{f.name}", f)
        for m in _our_models()
        for f in m._meta.get_fields()
        if isinstance(f, models.FileField)
    ]


def _our_form_classes() -> list[Any]:
    from django import forms

    import config.urls  # noqa: F401  (every view, so every form, is imported)

    found: list[Any] = []
    todo: list[Any] = [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.split(".")[0] in PACKAGES:
            found.append(cls)
    return found


def _unchecked(fields: list[tuple[str, Any]]) -> list[str]:
    """Upload fields (model or form) without the shared check among their validators."""
    from programs.uploads import UploadValidator

    return [
        label
        for label, field in fields
        if not any(isinstance(v, UploadValidator) for v in field.validators)
    ]


def _form_file_fields(form_classes: list[Any]) -> list[tuple[str, Any]]:
    from django import forms

    return [
        (f"{cls.__module__}.{cls.__name__}.{name}", field)
        for cls in form_classes
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.FileField)
    ]


# Spreadsheets for the Import page: not documents, so not the documents' check; the import
# reader refuses what it cannot read and answers by line and column.
READ_BY_THE_IMPORT_READER = {
    "programs.ImportRun.file": "the stored copy of an import file",
    "programs.forms.ImportUploadForm.file": "the Import page's upload",
}


def test_every_upload_field_of_a_model_carries_the_shared_check():
    """A new upload field that forgot programs.uploads would take any file of any size."""
    fields = _model_file_fields()
    unchecked = [u for u in _unchecked(fields) if u not in READ_BY_THE_IMPORT_READER]
    assert sorted(unchecked) == sorted(WRITTEN_BY_THE_APP)
    assert {label for label, _ in fields} - set(WRITTEN_BY_THE_APP)  # the check has fields


def test_every_upload_field_of_a_form_carries_the_shared_check():
    fields = _form_file_fields(_our_form_classes())
    assert fields  # the forms were found
    assert [u for u in _unchecked(fields) if u not in READ_BY_THE_IMPORT_READER] == []


def test_files_the_app_writes_are_offered_by_no_form_and_no_admin_page():
    from django import forms
    from django.contrib import admin

    offered = set()
    for cls in _our_form_classes():
        meta = getattr(cls, "_meta", None)
        if issubclass(cls, forms.ModelForm) and meta is not None and meta.model is not None:
            offered |= {f"{meta.model._meta.label}.{name}" for name in cls.base_fields}
    for model, model_admin in admin.site._registry.items():
        readonly = set(model_admin.get_readonly_fields(None))  # type: ignore[arg-type]
        offered |= {
            f"{model._meta.label}.{f.name}"
            for f in model._meta.get_fields()
            if f.name not in readonly and getattr(f, "editable", False)
        }
    assert offered & set(WRITTEN_BY_THE_APP) == set()


def test_the_upload_check_finds_a_field_without_it():
    from django import forms
    from django.db import models

    from programs.uploads import validate_upload

    class Planted(forms.Form):
        scan = forms.FileField()
        checked = forms.FileField(validators=[validate_upload])

    assert _unchecked(_form_file_fields([Planted])) == [f"{__name__}.Planted.scan"]
    assert _unchecked([("x.Y.a", models.FileField()), ("x.Y.b", models.ImageField())]) == [
        "x.Y.a",
        "x.Y.b",
    ]
    assert _unchecked([("x.Y.c", models.FileField(validators=[validate_upload]))]) == []


# --- every text value a form takes can be stored (config/text.py) ------------------------

# Fields that take no free text: what they accept is a choice, a number, a date, a flag or
# a file, parsed before anything reaches the database.
_NOT_FREE_TEXT = (
    "django.forms.fields.ChoiceField",  # and ModelChoiceField, MultipleChoiceField, ...
    "django.forms.fields.BooleanField",
    "django.forms.fields.BaseTemporalField",
    "django.forms.fields.IntegerField",  # and DecimalField, FloatField
    "django.forms.fields.DurationField",
    "django.forms.fields.FileField",
)


def _every_form_class() -> list[type]:
    """Every form and filter set of ours, and the sign-in pages' (allauth), once loaded."""
    import importlib

    import django_filters
    from django import forms

    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in info.name and not info.name.startswith("config.settings"):
                importlib.import_module(info.name)
    for module in ("account.forms", "mfa.base.forms", "mfa.totp.forms", "mfa.recovery_codes.forms"):
        importlib.import_module(f"allauth.{module}")
    found: set[type] = set()

    def walk(cls: type) -> None:
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                walk(sub)

    walk(forms.BaseForm)
    walk(django_filters.FilterSet)
    ours = (*PACKAGES, "allauth")
    return sorted(
        (c for c in found if c.__module__.split(".")[0] in ours), key=lambda c: c.__qualname__
    )


def _fields_of(form_class: type) -> dict[str, object]:
    if hasattr(form_class, "base_filters"):
        return {name: f.field for name, f in form_class.base_filters.items()}
    return dict(getattr(form_class, "base_fields", {}))


def _text_rule_gaps(form_class: type) -> list[str]:
    """The fields of a form that could take text the database cannot store: a text field
    without the validator, a field of no known kind, a model choice looked up by text."""
    from django import forms

    from config.text import validate_storable_text

    known = tuple(_dotted(name) for name in _NOT_FREE_TEXT)
    gaps = []
    for name, field in _fields_of(form_class).items():
        where = f"{form_class.__module__}.{form_class.__qualname__}.{name}"
        if isinstance(field, forms.CharField):
            if validate_storable_text not in field.validators:
                gaps.append(f"{where}: a text field without the storable-text validator")
        elif not isinstance(field, known):
            gaps.append(f"{where}: {type(field).__name__} takes text; make it a CharField")
        elif isinstance(field, forms.ModelChoiceField) and field.to_field_name:
            gaps.append(f"{where}: looked up by {field.to_field_name}, a text; use the key")
    return gaps


def _dotted(name: str) -> type:
    import importlib

    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


@pytest.mark.django_db
def test_every_forms_text_fields_refuse_what_cannot_be_stored():
    forms_seen = _every_form_class()
    assert len(forms_seen) > 40  # ours and the sign-in pages' were all loaded
    assert [gap for form in forms_seen for gap in _text_rule_gaps(form)] == []


def test_the_form_check_finds_a_form_that_bypasses_the_rule():
    from django import forms

    from encounters.models import Payer

    class Bypass(forms.Form):
        stripped = forms.CharField()
        raw = forms.Field()
        by_code = forms.ModelChoiceField(queryset=Payer.objects.none(), to_field_name="code")

    Bypass.base_fields["stripped"].validators = []
    gaps = _text_rule_gaps(Bypass)
    assert [g.split(": ")[0].rsplit(".", 1)[1] for g in gaps] == ["stripped", "raw", "by_code"]


# --- every PDF is drawn through programs.pdf ---------------------------------------------

PDF_DRAWER = ROOT / "programs" / "pdf.py"


def _weasyprint_outside_the_drawer(path: Path, source: str) -> list[str]:
    """Where the source uses WeasyPrint itself instead of programs.pdf.pdf_from_html, whose
    fetcher reads only our static files (WeasyPrint's own opens file:// and http://)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] == "weasyprint"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [module] if module.split(".")[0] == "weasyprint" else []
        else:
            continue
        found += [f"{path}:{node.lineno} imports {name}" for name in names]
    return found


def _drawn_without_the_fetcher(source: str) -> list[int]:
    """Lines of programs/pdf.py calling HTML(...) or CSS(...) without url_fetcher=."""
    import ast

    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in {"HTML", "CSS"}
        and "url_fetcher" not in {k.arg for k in node.keywords}
    ]


def test_every_pdf_is_drawn_through_the_one_fetcher():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != PDF_DRAWER and "migrations" not in path.parts:
                found += _weasyprint_outside_the_drawer(path.relative_to(ROOT), path.read_text())
    assert found == []
    drawer = PDF_DRAWER.read_text()
    assert "HTML(" in drawer and _drawn_without_the_fetcher(drawer) == []


# --- every survey figure is decided by encounters.survey_privacy --------------------------

SURVEY_PRIVACY = ROOT / "encounters" / "survey_privacy.py"
# What code outside survey_privacy may do with SurveyResponse.objects: write a response, or
# ask whether an encounter has one (never what it says).
_SURVEY_WRITES = {"create", "bulk_create"}


def _survey_reads(path: Path, source: str) -> list[str]:
    """Where the source reads survey answers other than through survey_privacy: a query
    of SurveyResponse.objects that is not a write or an existence check, a lookup or an
    attribute through an encounter's `survey_response`, or answers taken from
    `survey_responses(...)` / a scope's `.responses()` in a module that never asks
    `survey_disclosure` what may be shown."""
    import ast

    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[str] = []
    takes_answers = asks_disclosure = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            if not (isinstance(node.value, ast.Name) and node.value.id == "SurveyResponse"):
                continue
            # Walk up the chain: SurveyResponse.objects.<method>(...)[.<method>(...)]...
            methods: list[str] = []
            top: ast.AST = node
            up = parents.get(node)
            while (isinstance(up, ast.Attribute) and up.value is top) or (
                isinstance(up, ast.Call) and up.func is top
            ):
                if isinstance(up, ast.Attribute):
                    methods.append(up.attr)
                top, up = up, parents.get(up)
            wrapped = (
                isinstance(up, ast.Call)
                and isinstance(up.func, ast.Name)
                and up.func.id == "Exists"
                and top in up.args
            )
            # ...or keep the copy of the encounter's date in step (nothing else).
            follows_date = (
                methods == ["filter", "update"]
                and isinstance(top, ast.Call)
                and not top.args
                and [k.arg for k in top.keywords] == ["encounter_date"]
            )
            allowed = (
                (len(methods) == 1 and methods[0] in _SURVEY_WRITES)
                or methods == ["filter", "exists"]
                or (methods == ["filter"] and wrapped)
                or follows_date
            )
            if not allowed:
                chain = ".".join(["SurveyResponse.objects", *methods])
                found.append(f"{path}:{node.lineno} reads {chain}")
        elif isinstance(node, ast.Attribute) and node.attr == "survey_response":
            found.append(f"{path}:{node.lineno} reads an encounter's survey_response")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith("survey_response__"):
                found.append(f"{path}:{node.lineno} looks up {node.value}")
        elif isinstance(node, ast.keyword) and (node.arg or "").startswith("survey_response__"):
            found.append(f"{path}:{node.lineno} looks up {node.arg}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "survey_responses" or (
                name == "responses" and isinstance(func, ast.Attribute)
            ):
                takes_answers = True
            elif name == "survey_disclosure":
                asks_disclosure = True
    if takes_answers and not asks_disclosure:
        found.append(f"{path} takes survey answers but never asks survey_disclosure")
    return found


def test_every_survey_figure_is_shown_or_withheld_by_survey_privacy():
    """Reports, the dashboard, the survey results page and every export read survey
    answers only through encounters.survey_privacy, whose one rule decides what may be
    shown (README, "Small numbers"); a new path that read them itself would bypass it."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == SURVEY_PRIVACY or "migrations" in path.parts:
                continue
            found += _survey_reads(path.relative_to(ROOT), path.read_text())
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "from weasyprint import HTML\n",
        "def f(html):\n    from weasyprint import HTML\n    return HTML(string=html)\n",
        "import weasyprint\n",
        "import weasyprint.urls\n",
        "from weasyprint.urls import URLFetcher\n",
    ],
)
def test_the_pdf_check_finds_weasyprint_used_directly(source: str):
    assert _weasyprint_outside_the_drawer(Path("supervision/planted.py"), source)


def test_the_pdf_check_finds_a_drawing_without_the_fetcher():
    assert _drawn_without_the_fetcher("HTML(string=x).write_pdf()\n") == [1]
    assert _drawn_without_the_fetcher("weasyprint.CSS(string=x)\n") == [1]
    assert _drawn_without_the_fetcher("HTML(string=x, url_fetcher=fetcher())\n") == []


@pytest.mark.parametrize(
    "source",
    [
        "SurveyResponse.objects.aggregate(m=Avg('satisfaction'))\n",
        "SurveyResponse.objects.filter(organization=org).values('wellbeing')\n",
        "n = SurveyResponse.objects.filter(relapse='yes').count()\n",
        "SurveyResponse.objects.filter(pk=1).update(wellbeing=10)\n",
        "n = SurveyResponse.objects.filter(pk=1).update(encounter_date=d, relapse='yes')\n",
        "qs = Encounter.objects.filter(survey_response__satisfaction=5)\n",
        "x = encounter.survey_response.wellbeing\n",
        "def f(scope):\n    return scope.responses().aggregate(m=Avg('satisfaction'))\n",
        "rows = survey_responses(org, start=a, end=b).values('alternative')\n",
    ],
)
def test_the_survey_check_finds_a_path_that_bypasses_the_rule(source: str):
    assert _survey_reads(Path("encounters/planted.py"), source)


def test_the_survey_check_lets_writes_existence_and_decided_figures_through():
    source = (
        "SurveyResponse.objects.create(encounter=e)\n"
        "SurveyResponse.objects.bulk_create(rows)\n"
        "SurveyResponse.objects.filter(encounter=e).update(encounter_date=e.date)\n"
        "done = SurveyResponse.objects.filter(encounter=e).exists()\n"
        "qs = qs.annotate(s=Exists(SurveyResponse.objects.filter(encounter=OuterRef('pk'))))\n"
        "def f(scope):\n"
        "    d = scope.survey_disclosure()\n"
        "    return scope.responses().aggregate(m=Avg('satisfaction')), d\n"
    )
    assert _survey_reads(Path("encounters/planted.py"), source) == []
