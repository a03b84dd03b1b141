"""The generated pages of the documentation, written into ``docs/_generated`` by conf.py.

Each page is computed from the package itself, so it cannot drift from it:

* ``api.rst``: every name of ``actloss.__all__``, grouped by the module that defines it, and
  the public names of the submodules ``actloss.metrics``, ``sampling``, ``guide`` and ``nn``;
  a name in no group stops the build.
* ``gallery.rst`` and ``gallery/*.png``: ``python -m actloss plot`` (the op table's
  activations and their derivatives).
* ``guide.rst``: ``actloss.guide``'s decision table, task names and mismatch checks, through
  ``recommend`` and the guide's own case lists.
* ``namemap.rst``: the table in :mod:`_ext.namemap`; an activation or loss of ``actloss.__all__``
  without a row stops the build.
"""
import os

import actloss

from . import namemap

# Groups of actloss.__all__: (title, the modules whose functions belong to it, intro).
GROUPS = (
    ("Activations", ("actloss.activations",),
     "Elementwise activations with torch.nn.functional's signatures; each ``<name>`` has a "
     "``<name>_backward(grad_output, input, ...)``."),
    ("Softmax family", ("actloss.softmax_family",),
     "Row-wise maps over a ``dim``: softmax, log_softmax, softmin, logsumexp, the sparse maps "
     "and their losses, Gumbel-softmax."),
    ("Pointwise losses", ("actloss.pointwise_losses",),
     "Losses of elementwise terms, reduced with ``reduction``."),
    ("Class losses", ("actloss.class_losses",),
     "Losses over class scores along dim 1 (cross-entropy and its relatives)."),
    ("Embedding losses", ("actloss.embedding_losses",),
     "Losses of embeddings, pairs, triplets and boxes."),
    ("Distances", ("actloss.distances",),
     "Norms, similarities and distances with torch's signatures, and their gradients."),
    ("Linear and sequence losses", ("actloss.linear_losses", "actloss.sequence_losses"),
     "The output layer's loss without the logits, and connectionist temporal "
     "classification."),
    ("Encoding", ("actloss.encoding",), "Class indices to one-hot arrays."),
    ("Configuration", ("actloss", "actloss._threads", "actloss._accuracy", None),
     "Threads, accuracy mode, build information and the version."),
)
# The public submodules documented with their own __all__: (title, module, intro).
SUBMODULES = (
    ("Metrics", "actloss.metrics",
     "scikit-learn's metrics with scikit-learn's argument order, usable in ``make_scorer``."),
    ("Sampling", "actloss.sampling", "Class-balanced minibatches and class weights."),
    ("Guide", "actloss.guide",
     "Which last activation and loss for which task (see :doc:`guide`)."),
    ("nn classes", "actloss.nn", "torch.nn-style module classes over the functions."),
)


def _module_of(obj):
    """The module that defines a public object, or None for plain data (tuples, strings)."""
    if callable(obj):
        return getattr(obj, "__module__", None)
    return None


def api_groups():
    """[(title, intro, [names])] covering every name of actloss.__all__ exactly once."""
    groups = [(title, intro, []) for title, _, intro in GROUPS]
    for name in actloss.__all__:
        module = _module_of(getattr(actloss, name))
        for (title, modules, _), (_, _, names) in zip(GROUPS, groups):
            if module in modules:
                names.append(name)
                break
        else:
            raise RuntimeError(f"docs/_ext/pages.py: actloss.{name} is defined in {module}, "
                               f"which no API group lists; add it to GROUPS")
    return groups


def _heading(text, char):
    return f"{text}\n{char * len(text)}\n"


def _autosummary(names, template=None):
    options = "   :toctree: api\n" + (f"   :template: {template}\n" if template else "")
    return ".. autosummary::\n" + options + "\n" + "".join(f"   {n}\n" for n in names) + "\n"


def api_page():
    out = [_heading("API reference", "="),
           "Every public name, one page each, generated from its docstring. The functions live "
           "in the flat namespace ``actloss`` (``import actloss as F``; ``F.relu``, ...), as "
           "``torch.nn.functional`` does; the submodules at the end are imported by name.\n",
           ".. currentmodule:: actloss\n"]
    for title, intro, names in api_groups():
        out += [_heading(title, "-"), intro + "\n", _autosummary(names)]
    for title, module_name, intro in SUBMODULES:
        module = __import__(module_name, fromlist=["__all__"])
        out += [_heading(f"{title} (``{module_name}``)", "-"), intro + "\n",
                f".. currentmodule:: {module_name}\n",
                _autosummary(module.__all__,
                             "class.rst" if module_name == "actloss.nn" else None)]
    return "\n".join(out)


# ---- the guide page --------------------------------------------------------------------------

def rst_text(text):
    """Plain text safe inside reStructuredText: no character starts markup."""
    for char in "\\*`|_[]<>":
        text = text.replace(char, "\\" + char)
    return text


def _options(opts):
    return ", ".join(f"{k}={v!r}" for k, v in opts.items())


def _fn(name):
    return f":func:`~actloss.{name}`" if name in actloss.__all__ else f"``{name}``"


def guide_page():
    from actloss import guide
    cases = {task: [] for task in guide.TASKS}
    for task, opts in guide._TABLE_CASES:
        cases[task].append(opts)
    out = [_heading("Choosing an activation and a loss", "="),
           "What the network's last layer should output, which loss takes it and what to apply "
           "at inference, for each task :mod:`actloss.guide` knows. This page is generated from "
           "the guide itself (:func:`actloss.guide.recommend` for every case of "
           ":func:`actloss.guide.table`), so it says exactly what the code answers:\n",
           ".. code-block:: python\n\n   import actloss.guide as g\n"
           "   print(g.recommend(\"multiclass\"))     # or any task name below\n"
           "   g.check(\"softmax\", \"cross_entropy\")  # warns: a mismatch\n",
           _heading("Decision tree", "-"),
           "First the task, then its options (the first case of each task is the default):\n"]
    for task in guide.TASKS:
        out.append(f"* **{task}**\n")
        for opts in cases[task] or [{}]:
            r = guide.recommend(task, **opts)
            label = f"``{_options(opts)}``" if opts else "default"
            act = f"``{r.activation}``" if r.activation else "none (raw logits / scores)"
            predict = f"``{r.predict}``" if r.predict else "the output as is"
            out.append(f"  * {label}: last activation {act} → loss {_fn(r.loss)} → at "
                       f"inference {predict}\n")
            out.append(f"    {rst_text(r.reason)}\n")
            for note in r.notes:
                out.append(f"    - {rst_text(note)}\n")
            out.append("")
    out += [_heading("Summary", "-"),
            ".. list-table::\n   :header-rows: 1\n\n   * - task (options)\n"
            "     - last activation\n     - loss\n     - at inference\n"]
    for task, opts in guide._TABLE_CASES:
        r = guide.recommend(task, **opts)
        label = task + (f" ({_options(opts)})" if opts else "")
        out.append(f"   * - {rst_text(label)}\n     - {r.activation or '(none)'}\n"
                   f"     - {_fn(r.loss)}\n     - {r.predict or '(output as is)'}")
    out += ["", _heading("Task names understood", "-"),
            "``recommend`` also takes the words users write for a task (case, hyphens and "
            "underscores do not matter):\n",
            ".. list-table::\n   :header-rows: 1\n\n   * - name\n     - task (options)\n"]
    for name, (task, opts) in guide._ALIASES.items():
        out.append(f"   * - {rst_text(name)}\n     - {task}"
                   + (f" ({rst_text(_options(opts))})" if opts else ""))
    out += ["", _heading("Mismatches warned about", "-"),
            ":func:`actloss.guide.check` warns (``GuideWarning``) when a last activation and a "
            "loss do not fit together; :func:`actloss.guide.check_input` inspects an actual "
            "batch the same way. For example:\n"]
    for act, loss in guide._MISMATCH_PAIRS:
        out.append(f"* ``{act or 'none (logits)'}`` → {_fn(loss)}: "
                   f"{rst_text(guide._mismatch(act, loss))}\n")
    return "\n".join(out)


# ---- the gallery -----------------------------------------------------------------------------

def gallery_page(image_dir, rel):
    from actloss import _plot
    paths = _plot.write(image_dir)
    panels = _plot.panels()
    out = [_heading("Gallery: activations and their derivatives", "="),
           "Every elementwise activation of the op table, its value (solid) and its derivative "
           "(dashed) on [-5, 5], computed by actloss itself (the function and its "
           "``_backward``). Parameters are the defaults, or the values in the title. The "
           "images are made by::\n\n    python -m actloss plot --out DIR\n",
           f".. image:: {rel}/{os.path.basename(paths[-1])}\n   :alt: all activations\n"]
    for panel in panels:
        out.append(f".. figure:: {rel}/{panel.stem}.png\n   :alt: {panel.stem}\n\n"
                   f"   {rst_text(panel.title)}\n")
    return "\n".join(out)


# ---- the name map ----------------------------------------------------------------------------

def namemap_page():
    covered = namemap.covered_names()
    wanted = {name for name in actloss.__all__ if callable(getattr(actloss, name))
              and not name.endswith(("_backward", "_with_grad"))
              and _module_of(getattr(actloss, name)) not in GROUPS[-1][1]}
    missing = sorted(n for n in wanted if n not in covered
                     and not any(getattr(actloss, n) is getattr(actloss, c) for c in covered))
    unknown = sorted(n for n in covered if n not in actloss.__all__)
    if missing or unknown:
        raise RuntimeError(f"docs/_ext/namemap.py: no row for {missing}; rows for names actloss "
                           f"does not have: {unknown}")
    return namemap.render(_heading, _fn)


def generate(docs_dir):
    """Write every generated page (and the gallery's images) into docs_dir/_generated."""
    out = os.path.join(docs_dir, "_generated")
    os.makedirs(out, exist_ok=True)
    pages = {"api.rst": api_page(), "guide.rst": guide_page(),
             "gallery.rst": gallery_page(os.path.join(out, "gallery"), "gallery"),
             "namemap.rst": namemap_page()}
    for name, text in pages.items():
        path = os.path.join(out, name)
        old = open(path).read() if os.path.exists(path) else None
        if old != text:  # unchanged files keep their time stamp: no needless re-read
            with open(path, "w") as f:
                f.write(text)
