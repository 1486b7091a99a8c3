"""axe-core scans (WCAG 2.2 A/AA) of the proposal list, a proposal page with comments, the new-proposal flow
(every step, with files and co-authors), the groups pages, the endorsement block of a proposal page, the
moderation queue with an appeal and the author's appeal page, on the demo town in headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import axe_violations, demo_component, describe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITIZEN = "citoyen@valmont.demo"
MODERATOR = "moderation@valmont.demo"
ADMIN = "admin@valmont.demo"


def _component():
    return demo_component("consultations")


def test_consultation_pages_have_no_wcag_violations(site, context, page):
    from parlons.dialogue.models import Comment
    from parlons.modules.consultations.models import Proposal

    component = _component()
    base = f"{site.url}/processes/{component.process.slug}/consultations/{component.pk}/"
    discussed = (
        Proposal.objects.filter(component=component, comments_count__gt=0).order_by("-comments_count").first()
    )
    assert discussed is not None and Comment.objects.filter(object_id=str(discussed.pk)).exists()
    found = []
    login(context, site, CITIZEN)
    for path in ("", f"{discussed.public_id}/", "new/", "debates/"):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        if violations := axe_violations(page):
            found.append(describe(path or "list", violations))
    # The guided flow: write, see similar proposals, then the check step is scanned too.
    page.goto(base + "new/")
    page.fill("#id_title", "Des bancs à l'ombre sur le quai de Loire")
    page.fill("#id_body", "Installer des bancs à l'ombre le long de la Loire pour les promeneurs âgés.")
    page.locator("button[name=action][value=check]").click()
    page.wait_for_load_state()
    if violations := axe_violations(page):
        found.append(describe("new/ (check step)", violations))
    context.clear_cookies()
    login(context, site, MODERATOR)
    response = page.goto(f"{site.url}/dialogue/moderation/")
    assert response is not None and response.status == 200
    if violations := axe_violations(page):
        found.append(describe("moderation queue", violations))
    assert not found, "\n\n".join(found)


def test_near_me_uses_the_device_position(site, context, page):
    component = _component()
    base = f"{site.url}/processes/{component.process.slug}/consultations/{component.pk}/"
    context.grant_permissions(["geolocation"], origin=site.url)
    context.set_geolocation({"longitude": 0.98, "latitude": 47.4})
    page.goto(base)
    button = page.locator("#near-me")
    assert button.is_visible()
    button.click()
    page.wait_for_url("**near=0.98000%2C47.40000**")
    assert page.input_value("#f-near") == "0.98000,47.40000"


def _png(path):
    from PIL import Image

    Image.new("RGB", (80, 60), (30, 120, 200)).save(path, format="PNG")
    return str(path)


def test_new_proposal_flow_steps_have_no_wcag_violations(site, context, page, tmp_path):
    from parlons.modules.consultations.models import Proposal

    component = _component()
    base = f"{site.url}/processes/{component.process.slug}/consultations/{component.pk}/"
    found = []
    login(context, site, CITIZEN)
    page.goto(base + "new/")
    page.fill("#id_title", "Un verger partagé au parc des Mauves")
    page.fill(
        "#id_body", "Planter des arbres fruitiers que les habitants entretiennent et récoltent ensemble."
    )
    page.locator("button[name=action][value=check]").click()
    page.wait_for_load_state()
    page.locator("button[name=action][value=extras]").click()
    page.wait_for_url("**/extras/")
    if violations := axe_violations(page):
        found.append(describe("new/ step 3 (empty)", violations))
    # A file that is not an image: the error summary and the field's error are scanned too.
    bad = tmp_path / "plan.png"
    bad.write_bytes(b"not an image at all")
    page.set_input_files("#id_file", str(bad))
    page.fill("#id_description", "Plan du verger")
    page.locator("form:has(input[name=action][value=attach]) button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    if violations := axe_violations(page):
        found.append(describe("new/ step 3 (upload refused)", violations))
    page.set_input_files("#id_file", _png(tmp_path / "parc.png"))
    page.fill("#id_description", "Le parc des Mauves vu du sud")
    page.locator("form:has(input[name=action][value=attach]) button[type=submit]").click()
    page.wait_for_load_state()
    page.fill("#id_email", "voisine@example.test")
    page.locator("form:has(input[name=action][value=invite]) button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator('img[alt="Le parc des Mauves vu du sud"]').count() == 1
    if violations := axe_violations(page):
        found.append(describe("new/ step 3 (file and co-author)", violations))
    page.locator("button[name=action][value=publish]").click()
    page.wait_for_load_state()
    proposal = Proposal.objects.get(title="Un verger partagé au parc des Mauves")
    assert proposal.status == "published" and proposal.attachments.count() == 1
    assert not found, "\n\n".join(found)


def test_groups_pages_and_endorsements_have_no_wcag_violations(site, context, page):
    from parlons.accounts.models import User
    from parlons.modules.consultations import services
    from parlons.modules.consultations.models import Proposal

    component = _component()
    organisation = component.process.organisation
    base = f"{site.url}/processes/{component.process.slug}/consultations/{component.pk}/"
    citizen = User.objects.get(email=CITIZEN)
    group = services.user_group_create(
        organisation=organisation, by=citizen, name="Les Amis du Parc", description="Association de quartier."
    )
    services.user_group_verify(group=group, by=User.objects.get(email=ADMIN))
    services.user_group_invite(
        group=group, by=citizen, email=MODERATOR, link=f"{base}groups/{group.public_id}/"
    )
    proposal = Proposal.objects.filter(component=component, status="published", is_hidden=False).first()
    services.proposal_endorse(proposal=proposal, group=group, by=citizen)
    found = []
    login(context, site, CITIZEN)
    for label, path in (
        ("groups", "groups/"),
        ("group page (administrator)", f"groups/{group.public_id}/"),
        ("proposal page with endorsements", f"{proposal.public_id}/"),
    ):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        if violations := axe_violations(page):
            found.append(describe(label, violations))
    assert page.locator("#endorsements-title").count() == 1
    # The invited person's view: the invitation to answer.
    context.clear_cookies()
    login(context, site, MODERATOR)
    page.goto(base + f"groups/{group.public_id}/")
    assert page.locator("form[action$='/accept/'] button").count() == 1
    if violations := axe_violations(page):
        found.append(describe("group page (invited)", violations))
    assert not found, "\n\n".join(found)


def test_appeal_pages_have_no_wcag_violations(site, context, page):
    from parlons.accounts.models import User
    from parlons.dialogue import services as dialogue
    from parlons.modules.consultations.models import Proposal

    component = _component()
    citizen = User.objects.get(email=CITIZEN)
    moderator = User.objects.get(email=MODERATOR)
    proposal = Proposal.objects.filter(component=component, status="published", is_hidden=False).first()
    comment = dialogue.comment_post(target=proposal, by=citizen, body="Un avis un peu vif sur ce projet.")
    case = dialogue.content_flag(target=comment, by=moderator, reason="offensive")
    dialogue.moderation_hide(moderation=case, by=moderator, justification="Ton agressif.")
    found = []
    login(context, site, CITIZEN)
    page.goto(f"{site.url}/dialogue/moderation/mine/")
    if violations := axe_violations(page):
        found.append(describe("my moderated contributions", violations))
    page.fill(f"#explanation-{case.pk}", "Je critiquais le projet, pas les personnes.")
    page.locator("form[action*='/appeal/'] button").click()
    page.wait_for_load_state()
    context.clear_cookies()
    login(context, site, MODERATOR)
    page.goto(f"{site.url}/dialogue/moderation/")
    assert page.locator("button[name=action][value=grant]").count() >= 1
    if violations := axe_violations(page):
        found.append(describe("moderation queue with an appeal", violations))
    assert not found, "\n\n".join(found)
