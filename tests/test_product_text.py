"""What users read never points at the specification the product was built to: the pages,
their strings, the README and docs, the command's help and the API's schema."""

import re
from pathlib import Path

import pytest
import typer

from crm.cli import app as cli_app

ROOT = Path(__file__).resolve().parent.parent
# "SPEC" as a word (SPEC.md, SPEC §3), not inside a name such as CRM_LEAD_SPECIALIST_RULE.
CITATION = re.compile(r"(?<![A-Za-z_])SPEC(?![A-Za-z_])|§")


def citations(text: str) -> list[str]:
    return sorted(set(CITATION.findall(text)))


def user_facing_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    files += sorted((ROOT / "web" / "templates").rglob("*.html"))
    files += sorted((ROOT / "crm" / "i18n").rglob("*.py"))
    return files


@pytest.mark.parametrize("path", user_facing_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_string_or_document_cites_the_specification(path):
    text = path.read_text("utf-8")
    assert citations(text) == []


def help_texts(command, path: str = "crm") -> dict[str, str]:
    texts = {path: " ".join(filter(None, [command.help, command.short_help]))}
    for parameter in command.params:
        texts[f"{path} {parameter.name}"] = getattr(parameter, "help", None) or ""
    if hasattr(command, "list_commands"):  # a group (typer's own click classes)
        context = type(command).context_class(command)
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            texts.update(help_texts(sub, f"{path} {name}"))
    return texts


def test_no_command_help_cites_the_specification():
    texts = help_texts(typer.main.get_command(cli_app))
    assert "crm import chain" in texts and "crm park add" in texts
    assert {where: text for where, text in texts.items() if citations(text)} == {}


def test_the_api_schema_does_not_cite_the_specification(anon):
    schema = anon.get("/api/openapi.json").text
    assert citations(schema) == []
