/* newsclaims.core._jsonscan: what the JSON reader policy (core/jsonread.py) asks of raw bytes
 * and of a parsed tree, in one pass each, so that the policy costs the validator almost nothing.
 *
 * scan(data, limit) -> (members, deepest, too_deep_at, surrogate_at)
 *
 *   members       colons outside strings: in valid JSON, the number of object members as
 *                 written, duplicates included
 *   deepest       the deepest nesting of [ and { reached
 *   too_deep_at   the byte offset of the first [ or { deeper than ``limit``, or -1
 *   surrogate_at  the byte offset of the first lone surrogate escape (a \uD800-\uDBFF not
 *                 followed by a \uDC00-\uDFFF escape, or a \uDC00-\uDFFF on its own), or -1
 *
 * Any bytes are scanned, JSON or not, with the same answer as the pure-Python ``_scan_py`` of
 * core/jsonread.py (tested on random and hostile input): outside a string, '"' opens one and
 * ':' '[' '{' ']' '}' count (a closing bracket never takes the depth below 0); inside, '"'
 * closes it and a backslash escapes the next byte, or six bytes for \u and four hex digits.
 *
 * colons(data) -> int
 *
 *   every ':' byte, inside strings or not: when it equals what ``shape`` counts, no colon is in
 *   a string and no key was lost (core/jsonread.py, ``loads``)
 *
 * shape(value) -> (members, deepest)
 *
 *   the members of every dict in a tree of dicts and lists (what orjson parsed), and how deep
 *   the tree nests (a scalar: 0). Fewer members than ``scan`` counted means a key was written
 *   twice and the parser kept only the last.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* The bytes that mean something outside a string. */
static const unsigned char OUTSIDE[256] = {['"'] = 1, [':'] = 1, ['['] = 1, [']'] = 1, ['{'] = 1, ['}'] = 1};

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The value of the \uXXXX escape at p (p[0] is the backslash), or -1 when it is not one. */
/* The first index at or after i whose byte means something outside a string (or n). */
static Py_ssize_t skip_plain(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    while (i < n && !OUTSIDE[s[i]]) {
        i++;
    }
    return i;
}

/* The first index at or after i of a quote or a backslash (or n). */
static Py_ssize_t skip_string(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    while (i < n && s[i] != '"' && s[i] != '\\') {
        i++;
    }
    return i;
}

static long escape_at(const unsigned char *p, Py_ssize_t left) {
    if (left < 6 || p[0] != '\\' || p[1] != 'u') return -1;
    long v = 0;
    for (int k = 2; k < 6; k++) {
        int h = hexval(p[k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer buf;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "y*n", &buf, &limit)) {
        return NULL;
    }
    const unsigned char *s = buf.buf;
    Py_ssize_t n = buf.len, i = 0, members = 0, depth = 0, deepest = 0, too_deep = -1, lone = -1;
    Py_BEGIN_ALLOW_THREADS
    while (i < n) {
        unsigned char c = s[i];
        if (!OUTSIDE[c]) { /* most bytes outside strings: whitespace, digits, commas, literals */
            i = skip_plain(s, i + 1, n);
            continue;
        }
        if (c == '"') {
            i++;
            while (i < n) {
                i = skip_string(s, i, n);
                if (i >= n) break;
                if (s[i] == '"') {
                    i++;
                    break;
                }
                long v = escape_at(s + i, n - i);
                if (v < 0) {
                    i += 2; /* a short escape, or a backslash and whatever follows it */
                    continue;
                }
                if (v >= 0xD800 && v <= 0xDBFF) {
                    long low = escape_at(s + i + 6, n - i - 6);
                    if (low >= 0xDC00 && low <= 0xDFFF) {
                        i += 12;
                        continue;
                    }
                    if (lone < 0) lone = i;
                } else if (v >= 0xDC00 && v <= 0xDFFF) {
                    if (lone < 0) lone = i;
                }
                i += 6;
            }
            continue;
        }
        if (c == ':') {
            members++;
        } else if (c == '[' || c == '{') {
            depth++;
            if (depth > deepest) deepest = depth;
            if (depth > limit && too_deep < 0) too_deep = i;
        } else if (depth > 0) { /* ']' or '}' */
            depth--;
        }
        i++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    return Py_BuildValue("(nnnn)", members, deepest, too_deep, lone);
}

/* Deeper than this, ``shape`` stops walking and says so (orjson parses at most 1024 levels). */
#define MAX_WALK 2048

/* Adds the members of every dict under v to *total; the deepest level reached to *deepest. */
static int walk(PyObject *v, Py_ssize_t depth, Py_ssize_t *total, Py_ssize_t *deepest) {
    if (depth > MAX_WALK) {
        PyErr_SetString(PyExc_RecursionError, "shape: a tree nested deeper than 2048 levels");
        return -1;
    }
    if (depth > *deepest) *deepest = depth;
    if (PyDict_Check(v)) {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        *total += PyDict_GET_SIZE(v);
        while (PyDict_Next(v, &pos, &key, &value)) {
            if ((PyDict_Check(value) || PyList_Check(value)) && walk(value, depth + 1, total, deepest) < 0) return -1;
        }
    } else if (PyList_Check(v)) {
        Py_ssize_t size = PyList_GET_SIZE(v);
        for (Py_ssize_t k = 0; k < size; k++) {
            PyObject *item = PyList_GET_ITEM(v, k);
            if ((PyDict_Check(item) || PyList_Check(item)) && walk(item, depth + 1, total, deepest) < 0) return -1;
        }
    }
    return 0;
}

static PyObject *shape(PyObject *self, PyObject *value) {
    Py_ssize_t total = 0, deepest = 0;
    if ((PyDict_Check(value) || PyList_Check(value)) && walk(value, 1, &total, &deepest) < 0) return NULL;
    return Py_BuildValue("(nn)", total, deepest);
}

/* Every ':' of the bytes, strings included: a loop the compiler vectorises (bytes.count is
 * about eight times slower at it), in blocks short enough for a byte-wide count. */
static PyObject *colons(PyObject *self, PyObject *arg) {
    Py_buffer buf;
    if (PyObject_GetBuffer(arg, &buf, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *s = buf.buf;
    Py_ssize_t n = buf.len, total = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i += 255) {
        Py_ssize_t end = i + 255 < n ? i + 255 : n;
        unsigned char block = 0;
        for (Py_ssize_t k = i; k < end; k++) block += (s[k] == ':');
        total += block;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    return PyLong_FromSsize_t(total);
}

static PyMethodDef methods[] = {
    {"colons", colons, METH_O, "colons(data) -> the number of ':' bytes, strings included"},
    {"scan", scan, METH_VARARGS, "scan(data, limit) -> (members, deepest, too_deep_at, surrogate_at)"},
    {"shape", shape, METH_O, "shape(value) -> (members of every dict in the tree, its depth)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_jsonscan", NULL, -1, methods};

PyMODINIT_FUNC PyInit__jsonscan(void) { return PyModule_Create(&module); }
