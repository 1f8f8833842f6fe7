/* newsclaims.validation._clean: whether an annotation file can break any record or span rule.
 *
 * clean(gold, text, entity_labels, cluster_stories, story_id) -> bool
 *
 * True means that none of NC201-NC205, NC301, NC303-NC312 and NC401-NC406 fails
 * for ``gold`` (a gold file parsed to plain dicts and lists, valid for the JSON
 * Schema) against ``text``; the rules in validation/rules.py are then skipped. False means
 * that one may fail, and rules.py checks the file and writes the messages: they
 * stay the one statement of what each rule means. False is also the answer to
 * anything this code does not expect (a float offset, a mapping that is not a
 * dict): it never raises for bad input, it only declines to vouch for it. It also
 * declines every unlinked mention (entity_id null), which only the file's place
 * makes legal or not (NC312).
 *
 * Everything is read through borrowed references; the only objects made are
 * a few containers, released before returning. Overlaps are found by sorting
 * and sweeping, never by comparing spans pairwise.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

enum { NOISE, MENTION, OTHER };

typedef struct {
    Py_ssize_t start, end;
    int kind;
} Span;

typedef struct {
    Span *items;
    Py_ssize_t n, cap;
} Spans;

typedef struct {
    PyObject *start, *end, *text, *mentions, *noise, *claims, *attributions, *fragments, *mention_id, *noise_id,
        *claim_id, *attribution_id, *entity_id, *label, *cluster_id, *parent_id, *source, *cue;
} Keys;

static Keys K;

/* Outcomes of the helpers: OK, NO (the file may break a rule), or ERR (a Python error is set). */
#define OK 0
#define NO 1
#define ERR (-1)

static int push(Spans *s, Py_ssize_t start, Py_ssize_t end, int kind) {
    if (s->n == s->cap) {
        Py_ssize_t cap = s->cap ? 2 * s->cap : 64;
        Span *grown = PyMem_Realloc(s->items, (size_t)cap * sizeof(Span));
        if (grown == NULL) {
            PyErr_NoMemory();
            return ERR;
        }
        s->items = grown;
        s->cap = cap;
    }
    s->items[s->n++] = (Span){start, end, kind};
    return OK;
}

/* d[key] of a dict, borrowed; NULL without an error when d is no dict or lacks the key. */
static PyObject *field(PyObject *d, PyObject *key) {
    if (!PyDict_CheckExact(d)) {
        return NULL;
    }
    return PyDict_GetItemWithError(d, key);
}

/* d.get(key) that is not None, borrowed; NULL when absent or None (check PyErr_Occurred). */
static PyObject *present(PyObject *d, PyObject *key) {
    PyObject *v = field(d, key);
    return v == Py_None ? NULL : v;
}

static int offset(PyObject *span, PyObject *key, Py_ssize_t *out) {
    PyObject *v = field(span, key);
    if (v == NULL) {
        return PyErr_Occurred() ? ERR : NO;
    }
    if (!PyLong_CheckExact(v)) {
        return NO; /* 3.0 is a legal JSON integer: rules.py says what it makes of it */
    }
    *out = PyLong_AsSsize_t(v);
    if (*out == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return NO;
    }
    return OK;
}

/* NC201-NC204 for one span, which then joins ``spans``. */
static int span(PyObject *sp, PyObject *text, Py_ssize_t length, int kind, Spans *spans, Py_ssize_t *start,
                Py_ssize_t *end) {
    int r;
    if ((r = offset(sp, K.start, start)) != OK || (r = offset(sp, K.end, end)) != OK) {
        return r;
    }
    if (*start < 0 || *start >= *end || *end > length) {
        return NO;
    }
    PyObject *value = field(sp, K.text);
    if (value == NULL) {
        return PyErr_Occurred() ? ERR : NO;
    }
    if (!PyUnicode_CheckExact(value) || PyUnicode_GET_LENGTH(value) != *end - *start) {
        return NO;
    }
    Py_ssize_t same = PyUnicode_Tailmatch(text, value, *start, *end, -1);
    if (same != 1) {
        return same < 0 ? ERR : NO;
    }
    /* str.isspace is Py_UNICODE_ISSPACE per character: the same whitespace as check_span's. */
    if (Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(value, 0)) ||
        Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(value, *end - *start - 1))) {
        return NO;
    }
    return push(spans, *start, *end, kind);
}

/* The list d[key], borrowed; NO when it is not a list. */
static int list(PyObject *d, PyObject *key, PyObject **out) {
    *out = field(d, key);
    if (*out == NULL) {
        return PyErr_Occurred() ? ERR : NO;
    }
    return PyList_CheckExact(*out) ? OK : NO;
}

/* NC301: the id joins the document's one namespace; NO when it is there already. */
static int fresh_id(PyObject *rec, PyObject *key, PyObject *ids, PyObject **id) {
    *id = field(rec, key);
    if (*id == NULL) {
        return PyErr_Occurred() ? ERR : NO;
    }
    if (!PyUnicode_CheckExact(*id)) {
        return NO;
    }
    Py_ssize_t before = PySet_GET_SIZE(ids);
    if (PySet_Add(ids, *id) < 0) {
        return ERR;
    }
    return PySet_GET_SIZE(ids) == before ? NO : OK;
}

static int equal(PyObject *a, PyObject *b) {
    int r = PyObject_RichCompareBool(a, b, Py_EQ);
    return r < 0 ? ERR : (r ? OK : NO);
}

static int by_start_then_end(const void *a, const void *b) {
    const Span *x = a, *y = b;
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return (x->end > y->end) - (x->end < y->end);
}

/* The order of crossing_pairs: by start, the longer first. */
static int by_start_longest_first(const void *a, const void *b) {
    const Span *x = a, *y = b;
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return (x->end < y->end) - (x->end > y->end);
}

/* NC401, NC402, NC405, NC406 over the sound spans of a document. */
static int layers(Spans *all) {
    /* Partition: noise, then mentions, then the rest (fragments, sources, cues). */
    Py_ssize_t n = all->n, counts[3] = {0, 0, 0};
    for (Py_ssize_t i = 0; i < n; i++) {
        counts[all->items[i].kind]++;
    }
    Span *sorted = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(Span));
    if (sorted == NULL) {
        PyErr_NoMemory();
        return ERR;
    }
    Py_ssize_t at[3] = {0, counts[NOISE], counts[NOISE] + counts[MENTION]};
    for (Py_ssize_t i = 0; i < n; i++) {
        sorted[at[all->items[i].kind]++] = all->items[i];
    }
    Span *noise_spans = sorted, *mention_spans = sorted + counts[NOISE];
    Py_ssize_t n_noise = counts[NOISE], n_mentions = counts[MENTION];
    int result = OK;
    qsort(noise_spans, (size_t)n_noise, sizeof(Span), by_start_then_end);
    for (Py_ssize_t i = 1; i < n_noise && result == OK; i++) {
        if (noise_spans[i].start < noise_spans[i - 1].end) {
            result = NO; /* NC401; sorted by start, disjoint spans also end in order */
        }
    }
    /* NC405, NC406: a span that starts inside the innermost open one must end inside it,
       and must not be the same span. */
    qsort(mention_spans, (size_t)n_mentions, sizeof(Span), by_start_longest_first);
    Py_ssize_t *stack = PyMem_Malloc((size_t)(n_mentions ? n_mentions : 1) * sizeof(Py_ssize_t));
    if (stack == NULL) {
        PyMem_Free(sorted);
        PyErr_NoMemory();
        return ERR;
    }
    Py_ssize_t depth = 0;
    for (Py_ssize_t i = 0; i < n_mentions && result == OK; i++) {
        while (depth && mention_spans[stack[depth - 1]].end <= mention_spans[i].start) {
            depth--;
        }
        if (depth) {
            Span *top = &mention_spans[stack[depth - 1]];
            if (top->end < mention_spans[i].end || (top->start == mention_spans[i].start && top->end == mention_spans[i].end)) {
                result = NO;
                break;
            }
        }
        stack[depth++] = i;
    }
    PyMem_Free(stack);
    /* NC402: every span outside the noise layer against the disjoint noise spans, both by start. */
    Span *others = mention_spans;
    Py_ssize_t n_others = n - n_noise;
    if (result == OK && n_noise) {
        qsort(others, (size_t)n_others, sizeof(Span), by_start_then_end);
        Py_ssize_t j = 0;
        for (Py_ssize_t i = 0; i < n_others; i++) {
            while (j < n_noise && noise_spans[j].end <= others[i].start) {
                j++;
            }
            if (j < n_noise && noise_spans[j].start < others[i].end) {
                result = NO;
                break;
            }
        }
    }
    PyMem_Free(sorted);
    return result;
}

/* NC303, NC304, NC312, NC201-NC204 for the mentions; they join ``by_id`` for the sources' links. */
static int mentions(PyObject *gold, PyObject *text, Py_ssize_t length, PyObject *labels, PyObject *ids,
                    PyObject *by_id, Spans *spans) {
    PyObject *items, *id;
    int r;
    if ((r = list(gold, K.mentions, &items)) != OK) {
        return r;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *m = PyList_GET_ITEM(items, i);
        Py_ssize_t start, end;
        if ((r = fresh_id(m, K.mention_id, ids, &id)) != OK || (r = span(m, text, length, MENTION, spans, &start, &end)) != OK) {
            return r;
        }
        if (PyDict_SetItem(by_id, id, m) < 0) {
            return ERR;
        }
        /* NC312: an unlinked mention is legal in a round's annotator file and not in gold, and
           the file's place is not given here: rules.py decides (in_round), whatever the registry. */
        PyObject *linked = field(m, K.entity_id);
        if (linked == NULL || linked == Py_None) {
            return PyErr_Occurred() ? ERR : NO;
        }
        if (labels != Py_None) {
            PyObject *entity = linked, *label = field(m, K.label);
            if (label == NULL) {
                return PyErr_Occurred() ? ERR : NO;
            }
            PyObject *expected = PyDict_GetItemWithError(labels, entity);
            if (expected == NULL) {
                return PyErr_Occurred() ? ERR : NO; /* NC303 */
            }
            if ((r = equal(expected, label)) != OK) {
                return r; /* NC304 */
            }
        }
    }
    return OK;
}

static int noise(PyObject *gold, PyObject *text, Py_ssize_t length, PyObject *ids, Spans *spans) {
    PyObject *items, *id;
    int r;
    if ((r = list(gold, K.noise, &items)) != OK) {
        return r;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *n = PyList_GET_ITEM(items, i);
        Py_ssize_t start, end;
        if ((r = fresh_id(n, K.noise_id, ids, &id)) != OK || (r = span(n, text, length, NOISE, spans, &start, &end)) != OK) {
            return r;
        }
    }
    return OK;
}

/* NC205, NC305, NC306, NC201-NC204 for the claims; they join ``by_id`` for the attributions. */
static int claims(PyObject *gold, PyObject *text, Py_ssize_t length, PyObject *stories, PyObject *story_id,
                  PyObject *ids, PyObject *by_id, Spans *spans) {
    PyObject *items, *id, *fragments;
    int r;
    if ((r = list(gold, K.claims, &items)) != OK) {
        return r;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *c = PyList_GET_ITEM(items, i);
        if ((r = fresh_id(c, K.claim_id, ids, &id)) != OK) {
            return r;
        }
        if (PyDict_SetItem(by_id, id, c) < 0) {
            return ERR;
        }
        PyObject *cluster = present(c, K.cluster_id);
        if (cluster == NULL && PyErr_Occurred()) {
            return ERR;
        }
        if (cluster != NULL && stories != Py_None) {
            PyObject *story = PyDict_GetItemWithError(stories, cluster);
            if (story == NULL) {
                return PyErr_Occurred() ? ERR : NO; /* NC305 */
            }
            if (story_id != Py_None && (r = equal(story, story_id)) != OK) {
                return r; /* NC306 */
            }
        }
        if ((r = list(c, K.fragments, &fragments)) != OK) {
            return r;
        }
        Py_ssize_t previous_end = 0;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(fragments); j++) {
            Py_ssize_t start, end;
            if ((r = span(PyList_GET_ITEM(fragments, j), text, length, OTHER, spans, &start, &end)) != OK) {
                return r;
            }
            if (j && start < previous_end) {
                return NO; /* NC205 */
            }
            previous_end = end;
        }
    }
    return OK;
}

/* NC403, NC404: a source or cue shares no character with its own claim's fragments. */
static int apart(PyObject *claim, Py_ssize_t start, Py_ssize_t end) {
    PyObject *fragments = field(claim, K.fragments);
    if (fragments == NULL || !PyList_CheckExact(fragments)) {
        return PyErr_Occurred() ? ERR : NO;
    }
    for (Py_ssize_t j = 0; j < PyList_GET_SIZE(fragments); j++) {
        Py_ssize_t f_start, f_end;
        PyObject *f = PyList_GET_ITEM(fragments, j);
        int r;
        if ((r = offset(f, K.start, &f_start)) != OK || (r = offset(f, K.end, &f_end)) != OK) {
            return r;
        }
        if (start < f_end && f_start < end) {
            return NO;
        }
    }
    return OK;
}

/* NC307-NC309, NC403, NC404, NC201-NC204 for one attribution; ``linked_up`` when it has a parent. */
static int attribution(PyObject *a, PyObject *text, Py_ssize_t length, PyObject *mentions_by_id,
                       PyObject *claims_by_id, Spans *spans, int *linked_up) {
    int r;
    PyObject *claim_id = field(a, K.claim_id);
    if (claim_id == NULL) {
        return PyErr_Occurred() ? ERR : NO;
    }
    PyObject *claim = PyDict_GetItemWithError(claims_by_id, claim_id);
    if (claim == NULL) {
        return PyErr_Occurred() ? ERR : NO; /* NC307 */
    }
    if (present(a, K.parent_id) != NULL) {
        *linked_up = 1;
    } else if (PyErr_Occurred()) {
        return ERR;
    }
    PyObject *source = present(a, K.source), *cue = present(a, K.cue);
    if (PyErr_Occurred()) {
        return ERR;
    }
    Py_ssize_t start, end;
    if (source != NULL) {
        if ((r = span(source, text, length, OTHER, spans, &start, &end)) != OK || (r = apart(claim, start, end)) != OK) {
            return r;
        }
        PyObject *linked_id = present(source, K.mention_id);
        if (linked_id != NULL) {
            PyObject *linked = PyDict_GetItemWithError(mentions_by_id, linked_id);
            if (linked == NULL) {
                return PyErr_Occurred() ? ERR : NO; /* NC308 */
            }
            Py_ssize_t m_start, m_end;
            if ((r = offset(linked, K.start, &m_start)) != OK || (r = offset(linked, K.end, &m_end)) != OK) {
                return r;
            }
            if (m_start < start || m_end > end) {
                return NO; /* NC309 */
            }
        } else if (PyErr_Occurred()) {
            return ERR;
        }
    }
    if (cue != NULL) {
        if ((r = span(cue, text, length, OTHER, spans, &start, &end)) != OK || (r = apart(claim, start, end)) != OK) {
            return r;
        }
    }
    return OK;
}

/* NC310, NC311: every parent is an attribution of the document, and no chain of parents
   comes back on itself. Each chain is followed once: a node is on the current path
   (False in ``state``) or settled (True), so the walk is linear in the attributions. */
static int parents(PyObject *items, PyObject *by_id) {
    Py_ssize_t n = PyList_GET_SIZE(items), depth;
    PyObject *state = PyDict_New();
    PyObject **path = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(PyObject *));
    int r = OK;
    if (state == NULL || path == NULL) {
        Py_XDECREF(state);
        PyMem_Free(path);
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        return ERR;
    }
    for (Py_ssize_t i = 0; i < n && r == OK; i++) {
        PyObject *node = field(PyList_GET_ITEM(items, i), K.attribution_id);
        depth = 0;
        while (r == OK && node != NULL) {
            PyObject *seen = PyDict_GetItemWithError(state, node);
            if (seen != NULL) {
                r = seen == Py_False ? NO : OK; /* back on the current path: a cycle */
                break;
            }
            PyObject *a = PyDict_GetItemWithError(by_id, node);
            if (a == NULL) {
                r = PyErr_Occurred() ? ERR : NO; /* NC310 */
                break;
            }
            if (PyDict_SetItem(state, node, Py_False) < 0) {
                r = ERR;
                break;
            }
            path[depth++] = node; /* each attribution joins one path only: depth <= n */
            node = present(a, K.parent_id);
        }
        if (PyErr_Occurred()) {
            r = ERR;
        }
        for (Py_ssize_t j = 0; j < depth && r != ERR; j++) {
            if (PyDict_SetItem(state, path[j], Py_True) < 0) {
                r = ERR;
            }
        }
    }
    PyMem_Free(path);
    Py_DECREF(state);
    return r;
}

/* NC307-NC311, NC403, NC404, NC201-NC204 for the attributions. */
static int attributions(PyObject *gold, PyObject *text, Py_ssize_t length, PyObject *ids, PyObject *mentions_by_id,
                        PyObject *claims_by_id, Spans *spans) {
    PyObject *items, *id, *by_id;
    int r, linked_up = 0;
    if ((r = list(gold, K.attributions, &items)) != OK) {
        return r;
    }
    if ((by_id = PyDict_New()) == NULL) {
        return ERR;
    }
    r = OK;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items) && r == OK; i++) {
        PyObject *a = PyList_GET_ITEM(items, i);
        if ((r = fresh_id(a, K.attribution_id, ids, &id)) != OK) {
            break;
        }
        if (PyDict_SetItem(by_id, id, a) < 0) {
            r = ERR;
            break;
        }
        r = attribution(a, text, length, mentions_by_id, claims_by_id, spans, &linked_up);
    }
    if (r == OK && linked_up) {
        r = parents(items, by_id);
    }
    Py_DECREF(by_id);
    return r;
}

static PyObject *clean(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "clean(gold, text, entity_labels, cluster_stories, story_id)");
        return NULL;
    }
    PyObject *gold = args[0], *text = args[1], *labels = args[2], *stories = args[3], *story_id = args[4];
    if (!PyDict_CheckExact(gold) || !PyUnicode_CheckExact(text) || (labels != Py_None && !PyDict_CheckExact(labels)) ||
        (stories != Py_None && !PyDict_CheckExact(stories))) {
        Py_RETURN_FALSE;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    PyObject *ids = PySet_New(NULL), *mentions_by_id = PyDict_New(), *claims_by_id = PyDict_New();
    Spans spans = {NULL, 0, 0};
    int r = ERR;
    if (ids != NULL && mentions_by_id != NULL && claims_by_id != NULL &&
        (r = mentions(gold, text, length, labels, ids, mentions_by_id, &spans)) == OK &&
        (r = noise(gold, text, length, ids, &spans)) == OK &&
        (r = claims(gold, text, length, stories, story_id, ids, claims_by_id, &spans)) == OK &&
        (r = attributions(gold, text, length, ids, mentions_by_id, claims_by_id, &spans)) == OK) {
        r = layers(&spans);
    }
    PyMem_Free(spans.items);
    Py_XDECREF(ids);
    Py_XDECREF(mentions_by_id);
    Py_XDECREF(claims_by_id);
    if (r == ERR) {
        if (PyErr_ExceptionMatches(PyExc_MemoryError)) {
            return NULL;
        }
        PyErr_Clear(); /* e.g. an unhashable id: not ours to judge */
        Py_RETURN_FALSE;
    }
    return PyBool_FromLong(r == OK);
}

static PyMethodDef methods[] = {
    {"clean", (PyCFunction)(void (*)(void))clean, METH_FASTCALL,
     "clean(gold, text, entity_labels, cluster_stories, story_id) -> bool\n\n"
     "True when no record or span rule can fail for the gold file (see rules.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_clean", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__clean(void) {
    const char *names[] = {"start",      "end",       "text",      "mentions",     "noise",          "claims",
                           "attributions", "fragments", "mention_id", "noise_id",   "claim_id",       "attribution_id",
                           "entity_id",  "label",     "cluster_id", "parent_id",   "source",         "cue"};
    _Static_assert(sizeof(Keys) == sizeof(names) / sizeof(names[0]) * sizeof(PyObject *), "a name per key");
    PyObject **slots = (PyObject **)&K;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        slots[i] = PyUnicode_InternFromString(names[i]);
        if (slots[i] == NULL) {
            return NULL;
        }
    }
    return PyModule_Create(&module);
}
