"""The hub's roles as Django groups and the permissions each carries (created by a migration)."""
REVIEWERS = "CSO reviewers"
MUNICIPALITY_STAFF = "Municipality staff"
ADMINISTRATORS = "Network administrators"

# (app_label, codename) per group.
GROUP_PERMISSIONS = {
    REVIEWERS: [("proposals", "review_proposal"), ("proposals", "add_action"), ("proposals", "change_action")],
    MUNICIPALITY_STAFF: [("proposals", "change_action")],
    ADMINISTRATORS: [("proposals", "review_proposal"), ("proposals", "add_action"), ("proposals", "change_action"),
                     ("proposals", "view_original_text"), ("membership", "change_organisation"),
                     ("fleet_health", "view_fleet")],
}
