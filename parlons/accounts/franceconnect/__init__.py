"""FranceConnect through allauth's OpenID Connect provider, with the ``nonce`` check it lacks.

allauth 65's ``openid_connect`` provider checks ``state`` (and PKCE) but neither sends nor verifies a
``nonce``; FranceConnect requires one, and it is what binds the ID token to this browser's login. The
provider class here replaces allauth's (``SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"]``)
and this package's ``urls.py`` replaces its login and callback views.
"""
