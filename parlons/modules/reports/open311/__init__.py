"""Open311 GeoReport v2 adapter of the reports module, served at ``/open311/v2/`` for each organisation.

- ``formats`` (pure): the XML/JSON shapes, W3C dates, the error list; ``parsing``: parameter checks (400s);
  ``reading`` (pure): other servers' responses, read safely (defusedxml) for the importer.
- ``selectors`` / ``services``: reads scoped to the organisation's public reports; writes go through the
  module's ``report_submit`` (so routing, district check, photos and e-mails are the same as on the web).
- ``documents``: reports and categories as GeoReport documents; ``views`` + ``urls``: the endpoints.
- Commands: ``parlons open311_key`` (API keys; only a SHA-256 is stored), ``parlons open311_import``.
"""
