"""Files kept as evidence of a milestone (a permit scan, a photo of the site), in the
database beside the milestone, so a backup of the database holds them too."""

from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy.orm import Session

from crm.config import Settings
from crm.errors import Invalid, NotFound
from crm.projects import milestones
from crm.projects.models import EvidenceFile, MilestoneKind, Project, Verification
from crm.uploads import MAX_NAME

# What a bureau files as evidence; anything else (scripts, pages) is refused.
ACCEPTED_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".ofd": "application/ofd",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
}


def attach(
    session: Session,
    project: Project,
    kind: MilestoneKind,
    *,
    filename: str,
    content: bytes,
    by: str | None,
    now: datetime,
    settings: Settings,
) -> EvidenceFile:
    """Keep ``content`` as the milestone's evidence file, in place of an earlier one; a
    recorded milestone is asked to be verified again."""
    milestone = milestones.get(project, kind)
    name = safe_name(filename)
    content_type = ACCEPTED_TYPES.get(PurePosixPath(name).suffix.lower())
    if content_type is None:
        kinds = " ".join(sorted(ACCEPTED_TYPES))
        raise Invalid("file", f"evidence is one of these kinds of file: {kinds}")
    if not content:
        raise Invalid("file", "the file is empty")
    if len(content) > settings.evidence_max_bytes:
        limit = settings.evidence_max_bytes // (1024 * 1024)
        raise Invalid("file", f"the file is larger than {limit} MB")
    previous = milestone.evidence_file
    kept = EvidenceFile(
        project_id=project.id,
        filename=name,
        content_type=content_type,
        size=len(content),
        content=content,
        by=by,
        at=now,
    )
    milestone.evidence_file = kept
    if previous is not None:
        session.delete(previous)
    if milestone.actual_on is not None and milestone.verification != Verification.pending:
        milestone.verification = Verification.pending
        milestone.opinion = milestone.verified_by = milestone.verified_at = None
    project.touch()
    session.flush()
    return kept


def file_of(project: Project, kind: MilestoneKind) -> EvidenceFile:
    milestone = milestones.get(project, kind)
    if milestone.evidence_file is None:
        raise NotFound(f"milestone {kind.value} of project {project.id} has no evidence file")
    return milestone.evidence_file


def safe_name(filename: str) -> str:
    """The file's own name, without any folder a browser sent along."""
    return PurePosixPath(filename.replace("\\", "/")).name[-MAX_NAME:] or "evidence"
