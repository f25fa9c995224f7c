"""The demo meeting: one activity of each kind, with the run sheet's content."""

from __future__ import annotations

from sqlmodel import Session

from server.domain.meeting import Language
from server.services import meetings
from server.services.meetings import CreatedMeeting

DEMO: dict[str, dict[str, object]] = {
    "nl": {
        "title": "Lerend netwerk {theme} — bijeenkomst 1 (kick-off)",
        "choice_prompt": "Welke fase van actieleren voel jij je het prettigst?",
        "choice_options": [
            "Fase 0: klaar voor actieleren",
            "Probleem verkennen",
            "Kennis en kunde ophalen",
            "Experimenteren",
            "Reflecteren",
        ],
    },
    "en": {
        "title": "Learning network {theme} — meeting 1 (kick-off)",
        "choice_prompt": "Which phase of action learning do you feel most at home in?",
        "choice_options": [
            "Phase 0: ready for action learning",
            "Exploring the problem",
            "Gathering knowledge and skills",
            "Experimenting",
            "Reflecting",
        ],
    },
}


def create_demo(session: Session, theme: str, language: Language, title: str | None = None) -> CreatedMeeting:
    text = DEMO[language]
    created = meetings.create_meeting(
        session, title or str(text["title"]).format(theme=theme), theme, language
    )
    meeting_id = created.meeting.id
    meetings.add_activity(session, meeting_id, "open")
    meetings.add_activity(session, meeting_id, "wordcloud")
    meetings.add_activity(session, meeting_id, "scales", settings={"pick": 3})
    meetings.add_activity(
        session,
        meeting_id,
        "choice",
        prompt=str(text["choice_prompt"]),
        settings={"options": text["choice_options"], "max_choices": 1},
    )
    meetings.add_activity(session, meeting_id, "checkout")
    info = meetings.load_meeting(session, meeting_id)
    assert info is not None
    return CreatedMeeting(info, created.host_key, created.presenter_key)
