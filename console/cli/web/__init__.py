"""The page and server behind `mediate serve` (textual-serve, an access token per seat, local fonts)."""
