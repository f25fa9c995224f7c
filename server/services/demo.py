"""The demo meeting: one activity of each kind, with the run sheet's content."""

from __future__ import annotations

from sqlmodel import Session

from server.domain.meeting import Language
from server.i18n import say
from server.services import meetings
from server.services.meetings import CreatedMeeting
from server.text import N_

# The run sheet's phase question, in the meeting's language through the catalogue.
TITLE = N_("Learning network {theme} — meeting 1 (kick-off)")
CHOICE_PROMPT = N_("Which phase of action learning do you feel most at home in?")
CHOICE_OPTIONS = (
    N_("Phase 0: ready for action learning"),
    N_("Exploring the problem"),
    N_("Gathering knowledge and skills"),
    N_("Experimenting"),
    N_("Reflecting"),
)


def create_demo(session: Session, theme: str, language: Language, title: str | None = None) -> CreatedMeeting:
    created = meetings.create_meeting(
        session, title or say(TITLE, language).format(theme=theme), theme, language
    )
    meeting_id = created.meeting.id
    meetings.add_activity(session, meeting_id, "open")
    meetings.add_activity(session, meeting_id, "wordcloud")
    meetings.add_activity(session, meeting_id, "scales", settings={"pick": 3})
    meetings.add_activity(
        session,
        meeting_id,
        "choice",
        prompt=say(CHOICE_PROMPT, language),
        settings={"options": [say(option, language) for option in CHOICE_OPTIONS], "max_choices": 1},
    )
    meetings.add_activity(session, meeting_id, "checkout")
    info = meetings.load_meeting(session, meeting_id)
    assert info is not None
    return CreatedMeeting(info, created.host_key, created.presenter_key)
