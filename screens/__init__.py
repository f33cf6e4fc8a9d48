"""Textual screens, modals and shared widgets. They ask the Store and the rules module, and render."""
