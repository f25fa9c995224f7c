"""The demo meeting: one activity of each kind, with the run sheet's content."""

from __future__ import annotations

from sqlmodel import Session

from server.domain.meeting import Language
from server.i18n import say, sayer
from server.kinds import REGISTRY
from server.services import meetings
from server.services.meetings import CreatedMeeting
from server.text import N_

TITLE = N_("Learning network {theme} — meeting 1 (kick-off)")


def create_demo(session: Session, theme: str, language: Language, title: str | None = None) -> CreatedMeeting:
    created = meetings.create_meeting(
        session, title or say(TITLE, language).format(theme=theme), theme, language
    )
    meeting_id = created.meeting.id
    say_it = sayer(language)
    demos = [(demo, kind.name) for kind in REGISTRY.values() for demo in kind.demos(say_it)]
    for demo, name in sorted(demos, key=lambda item: item[0].order):
        meetings.add_activity(session, meeting_id, name, prompt=demo.prompt, settings=demo.settings)
    info = meetings.load_meeting(session, meeting_id)
    assert info is not None
    return CreatedMeeting(info, created.host_key, created.presenter_key)
