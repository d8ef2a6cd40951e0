"""Hard instance suites with certified answers: specs, building, checking from the files alone
(README, "Hard instance suites")."""
