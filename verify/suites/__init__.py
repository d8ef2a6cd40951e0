"""Hard instance suites with certified answers: specs, building, checking from the files alone
(docs/usage.md, "Hard instance suites")."""
