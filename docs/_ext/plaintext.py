"""Docstrings as plain text: the characters that would start reStructuredText markup by
accident, escaped before numpydoc and docutils read them.

actloss's docstrings write formulas as plain text -- ``|x|`` for an absolute value,
``numpy.bool_`` for a type -- which help() shows as written but docutils would read as a
substitution reference or a hyperlink reference. They never mean those, so in every line
outside inline literals, doctest lines and literal blocks, ``|`` and a word's trailing ``_``
are escaped. Emphasis (``*word*``) is used on purpose and left alone.
"""
import re

_LITERAL = re.compile(r"(``.+?``)")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[\s.,;:)\]]|$)")


def _escape(segment):
    segment = segment.replace("|", "\\|")
    return _TRAILING_UNDERSCORE.sub(r"\\_", segment)


def _escape_line(line):
    parts = _LITERAL.split(line)
    return "".join(p if i % 2 else _escape(p) for i, p in enumerate(parts))


_TABLE_BORDER = re.compile(r"^\s*=+(\s+=+)+\s*$")


def escape_lines(lines):
    """The docstring's lines with the accidental markup escaped (a new list). Simple tables
    are left as they are: an escape would shift their columns."""
    out, literal_indent, in_doctest, in_table = [], None, False, False
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if _TABLE_BORDER.match(line):
            # the first border opens a table; a border followed by a blank line closes it
            following = lines[i + 1].strip() if i + 1 < len(lines) else ""
            in_table = not in_table or bool(following)
            out.append(line)
            continue
        if in_table:
            out.append(line)
            continue
        if literal_indent is not None:  # inside a literal block: until a dedent
            if stripped and indent <= literal_indent:
                literal_indent = None
            else:
                out.append(line)
                continue
        if stripped.startswith((">>>", "...")) or (in_doctest and stripped):
            in_doctest = True  # a doctest line or its output, up to the next blank line
            out.append(line)
            continue
        in_doctest = False
        out.append(_escape_line(line))
        if stripped.endswith("::"):
            literal_indent = indent
    return out


def process_docstring(app, what, name, obj, options, lines):
    lines[:] = escape_lines(lines)


def setup(app):
    # before numpydoc (default priority 500), which parses the sections of the plain text
    app.connect("autodoc-process-docstring", process_docstring, priority=400)
    return {"parallel_read_safe": True}
