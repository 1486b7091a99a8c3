def test_saved_language_applies_on_a_new_browser(org, citizen, client_for):
    citizen.language = "en"
    citizen.save()
    client = client_for(citizen)
    assert '<html lang="en">' in client.get("/").content.decode()
    assert '<html lang="fr">' in client_for().get("/").content.decode()
