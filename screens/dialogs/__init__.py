"""Modal dialogs and forms the screens open."""
