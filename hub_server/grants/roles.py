"""The grant scheme's role: evaluators are a Django group (made by migration 0002); administrators are the
network's administrators (membership.change_organisation); applicants are members of approved organisations."""
EVALUATORS = "Grant evaluators"
