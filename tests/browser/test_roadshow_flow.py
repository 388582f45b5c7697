"""A roadshow (路演) in a real browser: an attendee registers → the host validates the
registration on its management page → the attendee sees the live-stream link, requests a
one-to-one meeting and expresses an intent on a pitch → the presenter accepts both on "my
roadshows" → the deal opened from the intent is on the attendee's deals page."""

import pytest

from deals.models import Deal
from roadshows.models import Intent, Meeting, Registration
from tests.roadshows.conftest import at, selected_pitch
from tests.roadshows.conftest import world as world  # noqa: PLC0414  (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def set_value(page, css, value):
    element = page.find(css)
    page.driver.execute_script("arguments[0].value = arguments[1]", element, value)


def test_from_registration_to_an_accepted_intent_and_its_deal(new_browser, world):
    pitch = selected_pitch(world)
    roadshow = world.roadshow
    stream = roadshow.stream_url

    # The attendee registers; the stream link stays hidden until the host validates.
    attendee = new_browser()
    attendee.log_in("attendee")
    attendee.go(roadshow.get_absolute_url())
    assert stream not in attendee.text("main")
    attendee.submit_with("#roadshow-register")
    assert "待审核" in attendee.text("#registration-status")
    registration = Registration.objects.get(user=world.attendee_user)

    host = new_browser()
    host.log_in("host")
    host.go(roadshow.get_absolute_url())
    host.click("#roadshow-manage")
    host.wait_for_path(f"/roadshows/{roadshow.pk}/manage/")
    host.submit_with(f"#validate-{registration.pk}")
    assert "已审核通过" in host.text("#manage-registrations")

    # Validated: the link shows, and the attendee asks for a meeting and states an intent.
    attendee.go(roadshow.get_absolute_url())
    assert attendee.find("#stream-link").get_attribute("href") == stream
    attendee.click(f"#pitch-{pitch.pk} details summary")
    meeting_form = f"#pitch-{pitch.pk} form.meeting-form"
    set_value(attendee, f'{meeting_form} [name="starts_at"]', at(10, 14).strftime("%Y-%m-%dT%H:%M"))
    set_value(
        attendee, f'{meeting_form} [name="ends_at"]', at(10, 14, 30).strftime("%Y-%m-%dT%H:%M")
    )
    attendee.fill("note", "想了解中试线的投资规模。", form=meeting_form)
    attendee.submit_with(f"{meeting_form} button[type=submit]")
    attendee.wait_for_path("/roadshows/mine/")
    assert "待确认" in attendee.text("#meetings")
    attendee.go(roadshow.get_absolute_url())
    attendee.click(f"#pitch-{pitch.pk} details summary")
    intent_form = f"#pitch-{pitch.pk} form.intent-form"
    attendee.select("kind", value="license", form=intent_form)
    attendee.fill("note", "希望以普通许可方式引进。", form=intent_form)
    attendee.submit_with(f"{intent_form} button[type=submit]")
    attendee.wait_for_path("/roadshows/mine/")
    meeting = Meeting.objects.get()
    intent = Intent.objects.get()

    # The presenter accepts the meeting and the intent.
    presenter = new_browser()
    presenter.log_in("presenter")
    presenter.go("/roadshows/mine/")
    assert "想了解中试线的投资规模。" in presenter.text("#meetings")
    presenter.submit_with(f"#meeting-accept-{meeting.pk}")
    assert "已接受" in presenter.text(f"#meeting-{meeting.pk}")
    presenter.submit_with(f"#intent-accept-{intent.pk}")
    assert "已接受" in presenter.text(f"#intent-{intent.pk}")
    deal = Deal.objects.get(pk=Intent.objects.get(pk=intent.pk).deal_id)
    assert deal.origin == Deal.Origin.ROADSHOW

    # The deal is on the attendee's deals page.
    attendee.go("/deals/")
    assert deal.title in attendee.text("main")
