"""A one-paragraph text field that wraps what is typed instead of scrolling it sideways out of sight.

On an 80-column terminal a one-line Input shows some twenty characters of a commitment or a
resolution; this field grows to a few lines so the lead and the room read it whole. It is a paragraph,
not a document: `enter` submits (like an Input, so `enter` saves the form it is in), a pasted line
break becomes a space, and `value` reads and sets its text as an Input's does.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea


class WrappedInput(TextArea):
    """A TextArea that wraps, submits on enter and keeps to one paragraph of at most `max_length`."""

    DEFAULT_CSS = """
    WrappedInput {
        height: auto;
        max-height: 4;
        min-height: 1;
        border: none;
        padding: 0;
        background: $boost;
    }
    WrappedInput:focus {
        border: none;
        background: $surface-lighten-1;
    }
    """

    class Submitted(Message):
        """`enter` was pressed: the form saves (the same as an Input's Submitted)."""

        def __init__(self, field: WrappedInput, value: str) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> WrappedInput:
            return self.field

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str = "",
        max_length: int = 0,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            _one_paragraph(value),
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            compact=True,
            placeholder=placeholder,
            id=id,
            classes=classes,
        )
        self.max_length = max_length

    @property
    def value(self) -> str:
        return _one_paragraph(self.text)

    @value.setter
    def value(self, text: str) -> None:
        self.text = _one_paragraph(text)

    # Textual calls each class's handler in turn (this one first), so these only stop what TextArea's
    # own handler would do next.
    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.value))
            return
        if self.max_length and event.is_printable and len(self.text) >= self.max_length:
            event.stop()
            event.prevent_default()
            self.app.bell()

    async def _on_paste(self, event: events.Paste) -> None:
        # A pasted line break joins the lines, so the field stays one paragraph.
        event.text = _one_paragraph(event.text)


def _one_paragraph(text: str) -> str:
    return " ".join(text.replace("\r", "\n").split("\n")) if "\n" in text or "\r" in text else text
