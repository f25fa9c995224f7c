"""Series use cases: meetings from templates in order, the network pass, links, before and after."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from server.db.engine import make_engine
from server.db.tables import Activity, Meeting, MeetingHost, Participant, SeriesParticipant
from server.domain.errors import DomainError
from server.domain.series import normalise_pass_code
from server.services import accounts, export_data, meetings, network_pass, series, series_links, trends
from server.services import templates as template_service
from server.services.participants import join
from server.services.report import ReportOptions, render_html
from tests.factories import AnswerWriter


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def network(session: Session, meetings: int = 2) -> tuple[int, list[int]]:
    made = series.create_series(session, "Lerend netwerk Inclusie", "Inclusie")
    ids = []
    for index in range(meetings):
        name = series.default_template(index + 1)
        created, _ = series.add_meeting(session, made.series.id, template_service.builtin(name))
        ids.append(created.meeting.id)
    session.commit()
    return made.series.id, ids


def linked_activity(session: Session, meeting_id: int, link: str) -> Activity:
    found = session.scalar(
        select(Activity).where(Activity.meeting_id == meeting_id, Activity.series_link == link)
    )
    assert found is not None
    return found


def test_series_meetings_come_in_order_from_the_kickoff_and_followup_templates(session: Session) -> None:
    series_id, (first, second) = network(session)
    info = series.load(session, series_id)
    assert [(m.position, m.title) for m in info.meetings] == [
        (1, "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)"),
        (2, "Lerend netwerk Inclusie — bijeenkomst 2"),
    ]
    assert info.next_position() == 3
    assert series.series_of_meeting(session, second) == (series_id, 2)
    # The checklist and the leervoorkeuren are linked in both meetings.
    for meeting_id in (first, second):
        assert linked_activity(session, meeting_id, "actieleren-checklist").kind == "scales"
        assert linked_activity(session, meeting_id, "leervoorkeuren").kind == "scales"
    chain = series_links.linked(session, series_id, "actieleren-checklist")
    assert [item.position for item in chain] == [1, 2]


def test_series_retention_applies_to_every_meeting(session: Session) -> None:
    series_id, ids = network(session)
    series.update(session, series_id, retention_days=30, title="Netwerk")
    session.commit()
    assert series.load(session, series_id).title == "Netwerk"
    assert {session.get(Meeting, i).retention_days for i in ids} == {30}  # type: ignore[union-attr]


def test_series_facilitators_host_every_meeting(session: Session) -> None:
    owner = accounts.add_user(session, "a@example.org", "wachtwoord123", "A")
    other = accounts.add_user(session, "b@example.org", "wachtwoord123", "B")
    stranger = accounts.add_user(session, "c@example.org", "wachtwoord123", "C")
    made = series.create_series(session, "Netwerk", owner_id=owner.id)
    created, _ = series.add_meeting(
        session, made.series.id, template_service.builtin("kickoff"), {"thema": "X"}
    )
    series.add_host(session, made.series.id, other.id)
    session.commit()
    assert series.may_lead(session, made.series.id, owner.id)
    assert series.may_lead(session, made.series.id, other.id)
    assert not series.may_lead(session, made.series.id, stranger.id)
    assert accounts.may_host(session, created.meeting.id, other.id)
    assert not accounts.may_host(session, created.meeting.id, stranger.id)
    assert [s.id for s in series.list_for(session, other.id)] == [made.series.id]
    assert series.list_for(session, stranger.id) == []
    assert series.key_opens(session, made.series.id, made.key)
    assert not series.key_opens(session, made.series.id, "nope")
    assert session.scalar(select(func.count()).select_from(MeetingHost)) == 1


def test_attach_refuses_a_meeting_of_another_series(session: Session) -> None:
    _, (first,) = network(session, 1)
    other = series.create_series(session, "Ander")
    with pytest.raises(DomainError) as refused:
        series.attach_meeting(session, other.series.id, first)
    assert refused.value.code == "in_another_series"


def test_the_pass_follows_a_participant_by_cookie_and_by_code(session: Session) -> None:
    _, (first, second) = network(session)
    phone = join(session, first, None, "Ans")
    taken = network_pass.take(session, first, phone.participant_id)
    session.commit()
    assert taken.number == 1 and len(taken.code) == 14
    stored = session.scalars(select(SeriesParticipant)).one()
    # Only hashes: neither secret is in the row.
    assert taken.secret not in repr(stored.__dict__) and normalise_pass_code(taken.code) not in repr(
        stored.__dict__
    )

    again = network_pass.join(session, second, secret=taken.secret)
    assert again is not None and again.number == 1 and again.joined.token
    other_device = network_pass.join(session, second, code=taken.code.lower())
    assert other_device is not None
    assert other_device.joined.participant_id == again.joined.participant_id  # the same pseudonym
    assert network_pass.number_of(session, again.joined.participant_id) == 1
    # A wrong code, or a code in a meeting outside the series, opens nothing.
    assert network_pass.join(session, second, code="ABCD-EFGH-JKMN") is None
    loose = series.create_series(session, "Los")
    created, _ = series.add_meeting(session, loose.series.id, template_service.builtin("blank"))
    assert network_pass.join(session, created.meeting.id, code=taken.code) is None


def test_taking_the_pass_again_renews_its_secrets(session: Session) -> None:
    _, (first, second) = network(session)
    phone = join(session, first, None, None)
    old = network_pass.take(session, first, phone.participant_id)
    new = network_pass.take(session, first, phone.participant_id)
    assert new.number == old.number and new.code != old.code
    assert network_pass.join(session, second, code=old.code) is None
    assert network_pass.join(session, second, secret=old.secret) is None
    assert network_pass.join(session, second, code=new.code) is not None


def test_no_pass_outside_a_series(session: Session) -> None:
    made = series.create_series(session, "Los")
    created = template_service.create_from_template(session, template_service.builtin("blank"), {})
    phone = join(session, created.meeting.id, None, None)
    with pytest.raises(DomainError) as refused:
        network_pass.take(session, created.meeting.id, phone.participant_id)
    assert refused.value.code == "not_in_series"
    assert made.series.meetings == ()


def test_a_closed_door_keeps_new_pseudonyms_out_but_lets_known_ones_back(session: Session) -> None:
    _, (first, second) = network(session)
    phone = join(session, first, None, None)
    taken = network_pass.take(session, first, phone.participant_id)
    inside = network_pass.join(session, second, secret=taken.secret)
    assert inside is not None
    door = session.get(Meeting, second)
    assert door is not None
    door.joins_closed = True
    session.add(door)
    back = network_pass.join(session, second, code=taken.code)
    assert back is not None and back.joined.participant_id == inside.joined.participant_id
    other = join(session, first, None, None)
    late = network_pass.take(session, first, other.participant_id)
    refused = network_pass.join(session, second, secret=late.secret)
    assert refused is not None and refused.joined.door_closed


def test_links_need_a_comparable_kind_and_the_same_measure(session: Session) -> None:
    series_id, (first, second) = network(session)
    cloud = session.scalar(select(Activity).where(Activity.meeting_id == first, Activity.kind == "wordcloud"))
    assert cloud is not None and cloud.id is not None
    with pytest.raises(DomainError) as refused:
        series_links.set_link(session, first, cloud.id, "wolk")
    assert refused.value.code == "not_comparable"
    checklist = linked_activity(session, first, "actieleren-checklist")
    assert checklist.id is not None
    with pytest.raises(DomainError) as refused:
        series_links.set_link(session, first, checklist.id, "leervoorkeuren")
    assert refused.value.code == "link_taken"
    with pytest.raises(DomainError) as refused:
        series_links.set_link(session, first, checklist.id, "Not A Link")
    assert refused.value.code == "invalid_series_link"
    # Two statements do not measure what five do: the second of a link must match the first.
    two, _ = meetings.add_activity(session, second, "scales", settings={"statements": ["een", "twee"]})
    series_links.set_link(session, second, two.id, "nieuw")
    five, _ = meetings.add_activity(session, first, "scales")
    with pytest.raises(DomainError) as refused:
        series_links.set_link(session, first, five.id, "nieuw")
    assert refused.value.code == "link_mismatch"
    series_links.set_link(session, first, checklist.id, None)
    assert [i.position for i in series_links.linked(session, series_id, "actieleren-checklist")] == [2]


def pseudonyms(session: Session, first: int, second: int, count: int) -> list[tuple[int, int]]:
    """``count`` phones that take the pass in ``first`` and come back in ``second``."""
    pairs = []
    for _ in range(count):
        phone = join(session, first, None, None)
        taken = network_pass.take(session, first, phone.participant_id)
        back = network_pass.join(session, second, secret=taken.secret)
        assert back is not None
        pairs.append((phone.participant_id, back.joined.participant_id))
    session.commit()
    return pairs


def test_before_after_over_matched_pseudonyms_and_suppressed_under_three(session: Session) -> None:
    _, (first, second) = network(session)
    before = linked_activity(session, first, "actieleren-checklist")
    after = linked_activity(session, second, "actieleren-checklist")
    assert before.id is not None and after.id is not None
    pairs = pseudonyms(session, first, second, 4)
    anonymous = join(session, second, None, None).participant_id
    session.commit()
    writer = AnswerWriter(session, first)
    later = AnswerWriter(session, second)
    for (one, two), (was, now) in zip(pairs, [(1, 3), (2, 4), (3, 5), (4, 4)], strict=True):
        writer.answer(before.id, one, "0", {"value": was})
        later.answer(after.id, two, "0", {"value": now})
    for one, two in pairs[:2]:  # statement 1: only two matched
        writer.answer(before.id, one, "1", {"value": 2})
        later.answer(after.id, two, "1", {"value": 5})
    later.answer(after.id, anonymous, "0", {"value": 1})  # no pass: never matched
    assert trends.before_after(session, first, before.id) is None  # meeting 1 has nothing before it
    result = trends.before_after(session, second, after.id)
    assert result is not None
    assert (result.before.position, result.after.position, result.comparison.matched) == (1, 2, 4)
    shown = result.public("nl")
    zero, one = shown["statements"][:2]
    assert zero["matched"] == 4 and zero["before"]["mean"] == 2.5 and zero["after"]["mean"] == 4.0
    assert zero["change"] == 1.5 and zero["suppressed"] is None
    assert one["matched"] == 2 and one["before"] is None and one["change"] is None
    assert one["suppressed"] and "3" in one["suppressed"]

    # The wrap-up report of meeting 2 shows the same, in Dutch, and leaves statement 1 out.
    html = render_html(export_data.load(session, second), ReportOptions(), ZoneInfo("Europe/Amsterdam"))
    assert "Voor en na" in html and "Bijeenkomst 1 naast bijeenkomst 2" in html
    assert "2,50 (± 1,12)" in html and "4,00 (± 0,71)" in html and "+1,50" in html and "Verandering" in html
    assert "Niet getoond: minder dan 3 gekoppelde deelnemers (hier 2)" in html
    assert "Voor en na" not in render_html(export_data.load(session, first), ReportOptions(), ZoneInfo("UTC"))

    mine = trends.trend_of(session, second, after.id, pairs[0][1])
    assert mine is not None
    assert [(m["position"], m["values"]) for m in mine.public()["meetings"]] == [
        (1, {"0": 1.0, "1": 2.0}),
        (2, {"0": 3.0, "1": 5.0}),
    ]
    assert trends.trend_of(session, second, after.id, anonymous) is None


def test_a_template_link_that_does_not_fit_the_series_is_refused(session: Session) -> None:
    series_id, _ = network(session, 1)
    own = template_service.parse_own(
        "format: kring-draaiboek/1\ntitle: Drie\nblocks:\n  - title: A\n    duration: 5\n    activities:\n"
        "      - kind: scales\n        prompt: Hoe?\n        link: actieleren-checklist\n"
        "        settings: {statements: [een, twee], mode: stars}\n"
    )
    with pytest.raises(DomainError) as refused:
        series.add_meeting(session, series_id, own)
    assert refused.value.code == "link_mismatch"


def test_a_template_link_on_a_kind_that_does_not_compare_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        template_service.parse_own(
            "format: kring-draaiboek/1\ntitle: Drie\nblocks:\n  - title: A\n    duration: 5\n"
            "    activities:\n      - kind: wordcloud\n        prompt: Hoe?\n        link: wolk\n",
            "mijn.yaml",
        )
    assert refused.value.code == "invalid_template"
    assert "mijn.yaml:9" in refused.value.message


def test_participants_of_an_erased_pseudonym_go_with_it(session: Session) -> None:
    _, (first, second) = network(session)
    pairs = pseudonyms(session, first, second, 2)
    pseudonym = session.get(SeriesParticipant, network_pass.pseudonym_of(session, pairs[0][0]))
    session.delete(pseudonym)
    session.commit()
    session.expire_all()
    assert session.get(Participant, pairs[0][0]) is None and session.get(Participant, pairs[0][1]) is None
    assert session.get(Participant, pairs[1][0]) is not None
