"""SQLAlchemy models, one module per aggregate, and the vocabularies (:mod:`app.models.vocabulary`).

The package itself imports nothing, so that a lower layer (the scope rules, the controls) can use
the vocabularies without pulling every model in; :mod:`app.models.tables` imports every model
module so that the metadata knows all tables (the app factory and the migrations import it).
"""
