// JobletMessaging tests (placeholder so the package resolves)
