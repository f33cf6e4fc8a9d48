"""A virtual table that draws only the visible lines, from pages fetched on demand (100,000 rows stay cheap).

Textual's DataTable measures every cell when rows are added, which costs seconds at 10k rows. This
table never holds more than a few pages: the owner gives it a row count and a `fetch(offset, limit)`
function (the Store does the filtering, sorting and paging in SQLite), and `render_line` asks a small
LRU page cache for the row under each visible line.

Drawing is cached too, because every keystroke redraws every visible line: the resolved styles and the
line width are kept until the CSS or the size changes, the header until the sort changes, and each
drawn row (keyed by `row_cache_key`, its content) in an LRU, so a row that shows again costs a lookup.

A table wider than the line shows the columns that matter most: each column has a `priority` (0: always
shown, pinned at the left; higher numbers give way first), and `left`/`right` scroll the other columns
sideways, the header marking with ◀ and ▶ that there are more.

The owner sorts: the header shows its `sort_key` and direction, and a click on a column's header posts
`HeaderSelected` with the column's key. `zebra_stripes` shades every other row like DataTable's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar, Generic, Literal, NamedTuple, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mediation_console.db.text import inert_line
from mediation_console.screens.widgets.contrast import readable_style

Row = TypeVar("Row")
# Drawn rows kept: a dozen screens' worth, so paging back and forth or deleting a letter redraws nothing.
LINE_CACHE_SIZE = 512
Tone = Literal["good", "warn", "bad", "dim", "accent"] | None
TONES: tuple[str, ...] = ("good", "warn", "bad", "dim", "accent")


class Cell(NamedTuple):
    """What one cell shows, and its tone (coloured by the theme: good/warn/bad/dim/accent).

    A tuple because a screen of fresh rows (a sort change) makes some 400 of them."""

    text: str
    tone: Tone = None


@dataclass(frozen=True)
class Column(Generic[Row]):
    """A column shows a row's `cell` (text and tone), or just its `text` in the line's own style."""

    key: str
    label: str
    cell: Callable[[Any], Cell] | None = None
    _: KW_ONLY
    width: int  # the narrowest the column gets
    # Cheaper than a cell where a column is never toned: e.g. `operator.attrgetter("title")`.
    text: Callable[[Any], str] | None = None
    flex: int = 0  # share of the spare width (0 = fixed)
    max_width: int | None = None
    align: Literal["left", "right"] = "left"
    # Which columns give way on a narrow line: 0 is always shown (and stays put when the table scrolls
    # sideways); the highest numbers are left out first, the rightmost of equals first.
    priority: int = 1

    def __post_init__(self) -> None:
        if (self.cell is None) == (self.text is None):
            raise ValueError(f"Column {self.key!r} needs either a cell or a text function")


# A column as a row is drawn: its cell function, text function, width and whether it is right-aligned.
_LaidOut = tuple[Callable[[Any], Cell] | None, Callable[[Any], str] | None, int, bool]


def fit(text: str, width: int, align: str = "left") -> str:
    if width <= 0:
        return ""
    if text.isascii() and text.isprintable():
        # One cell a character (most cells): plain slicing, several times faster than measuring cells.
        if len(text) > width:
            return text[: width - 1] + "…"
        return text.rjust(width) if align == "right" else text.ljust(width)
    text = inert_line(text)  # stored text shows its control characters (␛, ⟮U+202E⟯), never sends them
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return text.rjust(width) if align == "right" else set_cell_size(text, width)


class PagedTable(ScrollView, Generic[Row], can_focus=True):
    """Rows drawn on demand; a fixed header line with the sort column; a cursor row; optional zebra stripes."""

    DEFAULT_CSS = """
    PagedTable {
        overflow-x: hidden;
        overflow-y: auto;
        height: 1fr;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-table--header",
        "paged-table--header-sorted",
        "paged-table--cursor",
        "paged-table--good",
        "paged-table--warn",
        "paged-table--bad",
        "paged-table--dim",
        "paged-table--accent",
        "paged-table--even-row",  # with zebra_stripes, like DataTable's: rows 0, 2, 4…
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
        Binding("left", "scroll_columns(-1)", "Columns left", show=False),
        Binding("right", "scroll_columns(1)", "Columns right", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class RowHighlighted(Message):
        def __init__(self, table: PagedTable[Any], index: int, row: Any | None) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.row = row

        @property
        def control(self) -> PagedTable[Any]:
            return self.table

    class RowSelected(RowHighlighted):
        pass

    class HeaderSelected(Message):
        """A column's header was clicked (the owner decides what that does, e.g. sort by it)."""

        def __init__(self, table: PagedTable[Any], column_key: str) -> None:
            super().__init__()
            self.table = table
            self.column_key = column_key

        @property
        def control(self) -> PagedTable[Any]:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        *,
        page_size: int = 100,
        cached_pages: int = 16,
        zebra_stripes: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.page_size = page_size
        self.cached_pages = cached_pages
        self.zebra_stripes = zebra_stripes
        self.total = 0
        self.sort_key: str | None = None
        self.descending = False
        self._fetch: Callable[[int, int], Sequence[Row]] = lambda _offset, _limit: []
        self._pages: OrderedDict[int, Sequence[Row]] = OrderedDict()
        self._widths: list[int] = []
        # How many of the columns that can scroll sideways (priority > 0) are scrolled off to the left.
        self.column_offset = 0
        # For one line width and offset: the columns shown, and whether some are hidden left and right.
        self._visible: tuple[tuple[int, int], list[Column[Row]], bool, bool] | None = None
        self.pages_fetched = 0  # how many pages came from the source; benchmarks read this
        # Drawing caches (see the module docstring); the style ones are emptied when the CSS changes.
        self._lines: OrderedDict[Hashable, Strip] = OrderedDict()
        self._header: tuple[Hashable, Strip] | None = None
        self._styles: dict[str, Style] = {}
        self._tone_styles: dict[str, dict[str, Style]] = {}  # by line ("base", "even-row", "cursor"), then tone
        self._content: tuple[Hashable, Size] | None = None
        # For one line width: each column's cell and text functions, width and right alignment, and
        # whether the columns fill the line exactly.
        self._layout: tuple[int, list[_LaidOut], bool] | None = None

    # -- data ------------------------------------------------------------------------------------

    def set_source(
        self,
        fetch: Callable[[int, int], Sequence[Row]],
        total: int,
        *,
        keep_cursor: bool = False,
        first_page: Sequence[Row] | None = None,
        cursor: int | None = None,
    ) -> None:
        """Points the table at new rows (a new filter or sort). Only visible pages will be fetched;
        `first_page` is the first page when the owner has already read it; `cursor` puts the cursor on
        that row (e.g. where the highlighted row went in the new order) instead of keeping or resetting it."""
        self._fetch = fetch
        self.reload(total, keep_cursor=keep_cursor, first_page=first_page, cursor=cursor)

    def set_total(self, total: int, fetch: Callable[[int, int], Sequence[Row]] | None = None) -> None:
        """The same rows, now known to number `total` (a count that finished later): keeps the pages
        already read, the cursor and the scroll position."""
        if fetch is not None:
            self._fetch = fetch
        self.total = total
        self._update_virtual_size()
        if self.cursor >= total:
            self.cursor = max(0, total - 1)
        self.refresh()

    def reload(
        self,
        total: int,
        *,
        keep_cursor: bool = True,
        first_page: Sequence[Row] | None = None,
        cursor: int | None = None,
    ) -> None:
        """Forgets cached pages (the data changed) and redraws; `cursor`: see set_source."""
        self._pages.clear()
        if first_page is not None:
            # Before the cursor moves: its watcher reads the row under it, which must not fetch again.
            self._pages[0] = first_page
            self.rows_arrived(first_page)
        self.total = total
        self._update_virtual_size()
        target = cursor if cursor is not None else self.cursor if keep_cursor else 0
        self.cursor = max(0, min(target, total - 1))  # its watcher scrolls the cursor into view
        if cursor is None and not keep_cursor and (self.scroll_y or self.scroll_target_y):
            self._scroll_rows(0)
        self.refresh()

    def row_at(self, index: int) -> Row | None:
        if not 0 <= index < self.total:
            return None
        page_number, within = divmod(index, self.page_size)
        page = self._pages.get(page_number)
        if page is None:
            page = self._fetch(page_number * self.page_size, self.page_size)
            self.pages_fetched += 1
            self._pages[page_number] = page
            self.rows_arrived(page)
            while len(self._pages) > self.cached_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_number)
        return page[within] if within < len(page) else None

    def rows_arrived(self, rows: Sequence[Row]) -> None:
        """A page of rows was read from the source (a subclass may fit its column widths to them)."""

    @property
    def current_row(self) -> Row | None:
        return self.row_at(self.cursor)

    def move_to(self, predicate: Callable[[Row], bool]) -> bool:
        """Puts the cursor on the first cached row matching; True when found (used after a save)."""
        for page_number, page in self._pages.items():
            for within, row in enumerate(page):
                if predicate(row):
                    self.cursor = page_number * self.page_size + within
                    return True
        return False

    def set_columns(self, columns: Sequence[Column[Row]]) -> None:
        """New columns (e.g. widths fitted to newly arrived rows): lays the line out and draws it again."""
        self.columns = list(columns)
        self._forget_columns()

    def _forget_columns(self) -> None:
        self._widths = []
        self._visible = None
        self._layout = None
        self._header = None
        self._lines.clear()
        self.refresh()

    # -- columns that fit --------------------------------------------------------------------------

    def visible_columns(self, width: int | None = None) -> tuple[list[Column[Row]], bool, bool]:
        """The columns shown at `width` (the line's by default), in order, and whether columns are hidden
        to the left (scrolled past) and to the right (more to scroll to, or left out for the width)."""
        width = self._width() if width is None else width
        key = (width, self.column_offset)
        if self._visible is not None and self._visible[0] == key:
            return self._visible[1], self._visible[2], self._visible[3]
        scrollable = [c for c in self.columns if c.priority > 0]
        skipped = {id(c) for c in scrollable[: self.column_offset]}
        chosen = [c for c in self.columns if id(c) not in skipped]

        def needed(columns: list[Column[Row]], marker: int) -> int:
            return sum(c.width + 1 for c in columns) + marker

        # Leave out the least important columns until the rest fit (one cell kept for the ▶ marker).
        while len(chosen) > 1 and needed(chosen, 1 if len(chosen) < len(self.columns) - len(skipped) else 0) > width:
            droppable = [c for c in chosen if c.priority > 0]
            if not droppable:
                break
            least = max(droppable, key=lambda c: (c.priority, chosen.index(c)))
            chosen.remove(least)
        hidden_right = len(chosen) < len(self.columns) - len(skipped)
        self._visible = (key, chosen, bool(skipped), hidden_right)
        return chosen, bool(skipped), hidden_right

    def scroll_columns(self, delta: int) -> bool:
        """Scrolls the sideways columns by `delta` (negative: back to the left); False when there is
        nothing more that way."""
        _shown, hidden_left, hidden_right = self.visible_columns()
        if (delta > 0 and not hidden_right) or (delta < 0 and not hidden_left):
            return False
        scrollable = sum(1 for c in self.columns if c.priority > 0)
        self.column_offset = max(0, min(self.column_offset + delta, scrollable - 1))
        self._forget_columns()
        return True

    def action_scroll_columns(self, delta: int) -> None:
        self.scroll_columns(delta)

    # -- geometry ----------------------------------------------------------------------------------

    @property
    def body_height(self) -> int:
        return max(1, self._content_size().height - 1)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._content_size().width, self.total + 1)

    def on_resize(self, _event: events.Resize) -> None:
        self._widths = []
        self._visible = None
        self._layout = None
        self._header = None
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def _column_widths(self, width: int) -> list[int]:
        columns, _left, hidden_right = self.visible_columns(width)
        width -= 1 if hidden_right else 0  # the ▶ marker's cell
        if self._widths and sum(self._widths) + len(self._widths) == width:
            return self._widths
        gaps = len(columns)  # one space before each column
        widths = [c.width for c in columns]
        spare = width - gaps - sum(widths)
        flexible = [i for i, c in enumerate(columns) if c.flex]
        # Hand out the spare width by flex share, respecting maximums, until it is used up.
        while spare > 0 and flexible:
            shares = sum(columns[i].flex for i in flexible)
            handed = 0
            for i in list(flexible):
                column = columns[i]
                extra = max(1, spare * column.flex // shares)
                if column.max_width is not None:
                    extra = min(extra, column.max_width - widths[i])
                extra = min(extra, spare - handed)
                widths[i] += extra
                handed += extra
                if column.max_width is not None and widths[i] >= column.max_width:
                    flexible.remove(i)
                if handed >= spare:
                    break
            if handed == 0:
                break
            spare -= handed
        if spare > 0 and not self.column_offset:
            widths[0] += spare  # no flexible room left: keep the line full
        # Scrolled sideways, the spare room stays at the right, so the pinned columns keep their width.
        self._widths = widths
        return widths

    # -- drawing ---------------------------------------------------------------------------------

    def row_cache_key(self, row: Row) -> Hashable | None:
        """What decides how `row` is drawn (its content); None draws it afresh every time. A subclass whose
        cells read anything besides the row (e.g. today's date) puts that in the key too."""
        return None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_drawing()

    def _forget_drawing(self) -> None:
        self._lines.clear()
        self._header = None
        self._styles.clear()
        self._tone_styles.clear()
        self._content = None
        self._layout = None
        self._visible = None
        self._widths = []

    def _style(self, name: str) -> Style:
        """A resolved style: "base", "even-row", "cursor", "header", "header-sorted", or "<line>:<tone>" (a
        tone on a "base", "even-row" or "cursor" line)."""
        style = self._styles.get(name)
        if style is None:
            line, _, tone = name.partition(":")
            if tone:
                # A tone's colour on this line's background, moved until it reads (light themes' amber).
                style = readable_style(
                    self._style(line) + self.get_component_rich_style(f"paged-table--{tone}", partial=True)
                )
            elif line == "base":
                style = self.rich_style  # walks every ancestor's styles (~0.1 ms): once per CSS change
            elif line == "header-sorted":
                style = self._style("header") + self.get_component_rich_style(
                    "paged-table--header-sorted", partial=True
                )
            else:
                style = self._style("base") + self.get_component_rich_style(f"paged-table--{line}")
            self._styles[name] = style
        return style

    def _content_size(self) -> Size:
        # The scrollable region asks the screen where this widget is; only the size, the scrollbars and
        # the CSS change it, so it is worked out again only when they change.
        key = (self.outer_size, self.show_vertical_scrollbar, self.show_horizontal_scrollbar)
        if self._content is None or self._content[0] != key:
            self._content = (key, self.scrollable_content_region.size)
        return self._content[1]

    def _width(self) -> int:
        return self._content_size().width

    def render_line(self, y: int) -> Strip:
        width = self._width()
        if y == 0:
            return self._header_strip(width)
        index = round(self.scroll_y) + y - 1  # scroll_offset.y, without making the whole Offset
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, self._style("base"))
        line = "cursor" if index == self.cursor else "even-row" if self.zebra_stripes and not index % 2 else "base"
        focused = self.has_focus
        row_key = self.row_cache_key(row)
        if row_key is None:
            return self._row_strip(row, width, line, focused)
        key = (row_key, width, line, focused)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._lines[key] = self._row_strip(row, width, line, focused)
            while len(self._lines) > LINE_CACHE_SIZE:
                self._lines.popitem(last=False)
        else:
            self._lines.move_to_end(key)
        return strip

    def _columns_laid_out(self, width: int) -> tuple[list[_LaidOut], bool]:
        if self._layout is None or self._layout[0] != width:
            widths = self._column_widths(width)
            columns, _left, _right = self.visible_columns(width)
            self._layout = (
                width,
                [
                    (column.cell, column.text, column_width, column.align == "right")
                    for column, column_width in zip(columns, widths, strict=False)
                ],
                sum(widths) + len(widths) == width,
            )
        return self._layout[1], self._layout[2]

    def _row_strip(self, row: Row, width: int, line: str, focused: bool) -> Strip:
        # A sort change draws a screen of rows never drawn before, so this loop is kept lean: the
        # layout and styles are looked up once a row, and plain ASCII text that fits is padded in place.
        line_style = self._style(line)
        # On the focused cursor row the theme's cursor colours win, so every cell stays readable.
        toned = not (line == "cursor" and focused)
        tone_styles = self._tone_styles.get(line)
        if tone_styles is None:
            tone_styles = self._tone_styles[line] = {tone: self._style(f"{line}:{tone}") for tone in TONES}
        segments = []
        plain = ""  # neighbouring cells in the line's own style make one segment
        layout, fills_line = self._columns_laid_out(width)
        for cell_of, text_of, column_width, right in layout:
            if text_of is not None:
                text, tone = text_of(row), None
            else:
                text, tone = cell_of(row)  # type: ignore[misc]
            if len(text) <= column_width and text.isascii() and text.isprintable():
                text = text.rjust(column_width) if right else text.ljust(column_width)
            else:
                text = fit(text, column_width, "right" if right else "left")
            if tone and toned:
                segments.append(Segment(plain + " ", line_style))
                segments.append(Segment(text, tone_styles[tone]))
                plain = ""
            else:
                plain += " " + text
        if plain:
            segments.append(Segment(plain, line_style))
        if fills_line:
            return Strip(segments, width)
        return Strip(segments).adjust_cell_length(width, line_style)  # narrower than the columns' minimums

    def _header_strip(self, width: int) -> Strip:
        key = (width, self.sort_key, self.descending, self.column_offset)
        if self._header is not None and self._header[0] == key:
            return self._header[1]
        header, sorted_style = self._style("header"), self._style("header-sorted")
        segments = []
        columns, hidden_left, hidden_right = self.visible_columns(width)
        first_scrolled = next((c for c in columns if c.priority > 0), None) if hidden_left else None
        for column, column_width in zip(columns, self._column_widths(width), strict=False):
            label, style = column.label, header
            if column.key == self.sort_key:
                # The arrow always shows, even when the label has to give way.
                arrow = "▼" if self.descending else "▲"
                label = (
                    fit(label, column_width - 1).rstrip() + arrow if cell_len(label) >= column_width else label + arrow
                )
                style = sorted_style
            # ◀: columns scrolled off to the left, just before the first column that scrolls.
            segments.append(Segment("◀" if column is first_scrolled else " ", header))
            segments.append(Segment(fit(label, column_width, column.align), style))
        if hidden_right:
            strip = Strip(segments).adjust_cell_length(width - 1, header)
            strip = Strip([*strip, Segment("▶", header)], width)
        else:
            strip = Strip(segments).adjust_cell_length(width, header)
        self._header = (key, strip)
        return strip

    # -- cursor ----------------------------------------------------------------------------------

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, self.total - 1)) if self.total else 0

    def watch_cursor(self, _old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.RowHighlighted(self, new, self.row_at(new)))

    def _scroll_cursor_into_view(self) -> None:
        top = self.scroll_offset.y
        if self.cursor < top:
            self._scroll_rows(self.cursor)
        elif self.cursor >= top + self.body_height:
            self._scroll_rows(self.cursor - self.body_height + 1)

    def centre_cursor(self) -> None:
        """Scrolls so the cursor row sits in the middle of the visible rows (after a jump to a far row)."""
        self._scroll_rows(max(0, self.cursor - self.body_height // 2))

    def _scroll_rows(self, y: int) -> None:
        # Forced: when the rows have just grown, the scrollbar that allows scrolling only shows at the
        # next layout, and an unforced scroll would be ignored until then.
        self.scroll_to(y=y, animate=False, immediate=True, force=True)

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= self.body_height

    def action_page_down(self) -> None:
        self.cursor += self.body_height

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.total - 1

    def action_select(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.RowSelected(self, self.cursor, row))

    def column_at(self, x: int) -> Column[Row] | None:
        """The column drawn at `x` (a widget offset), None past the last one."""
        left = 0
        columns, _left, _right = self.visible_columns()
        for column, column_width in zip(columns, self._column_widths(self._width()), strict=False):
            left += 1 + column_width  # the space before each column, then the column
            if x < left:
                return column
        return None

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self.column_at(event.x)
            if column is not None:
                self.post_message(self.HeaderSelected(self, column.key))
            return
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < self.total:
            if index == self.cursor and event.chain == 2:
                self.action_select()
            self.cursor = index


class StripedTable(PagedTable[Row]):
    """A PagedTable in the look of the team's lists (the team, the track record): a bold header on the
    panel, zebra stripes, the block cursor (its blurred colours while the table is not focused) and
    the tones in the theme's colours."""

    DEFAULT_CSS = """
    StripedTable {
        background: $surface;
        &:focus { background-tint: $foreground 3%; }
        & > .paged-table--header { color: $foreground; text-style: bold; background: $panel; }
        & > .paged-table--header-sorted { color: $accent; }
        & > .paged-table--even-row { background: $surface-lighten-1 50%; }
        &:dark > .paged-table--even-row { background: $surface-darken-1 40%; }
        & > .paged-table--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .paged-table--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .paged-table--good { color: $success; text-style: bold; }
        & > .paged-table--warn { color: $warning; text-style: bold; }
        & > .paged-table--bad { color: $error; text-style: bold; }
        /* Not `color: $text-muted`: an "auto" colour has no background to work against in a cell's
           partial style and comes out white; Rich's dim blends with whatever the line's background is. */
        & > .paged-table--dim { text-style: dim; }
        & > .paged-table--accent { color: $accent; }
    }
    """
