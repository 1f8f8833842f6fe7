/* newsclaims._conform: whether a parsed JSON value is valid for a schema compiled by conform.py.
 *
 * compile(tree) -> program          (tree: what conform.program makes of a schema)
 * conforms(program, value) -> bool
 *
 * ``value`` is what orjson made of a file:
 * dicts, lists, str, int, float, bool and None. True means the value is valid for the JSON
 * Schema the tree was compiled from; False means it may not be, and the caller asks
 * jsonschema-rs. Anything unexpected (a float for an integer, a subclass of dict) is False:
 * it never raises for bad input, it only declines.
 *
 * The tree is compiled once to C structs: walking the tuples themselves went through the
 * C API for every number and key, and cost more than jsonschema-rs. An object's fields are
 * found by comparing pointers first: orjson hands out the same key object for the same
 * key from file to file (its key cache), and each field keeps (a reference to) the last one
 * it matched. The walk follows the schema, never the value, so its depth is the schema's.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { OBJECT, ARRAY, STRING, INTEGER, BOOLEAN, NULL_, ANY_OF };

#define YES 1
#define NO 0
#define ERR (-1)
#define MAX_DEPTH 64
#define MAX_PROPS 64 /* an object's required fields are bits of a uint64_t */

typedef struct Node Node;

typedef struct {
    unsigned char bits[16]; /* the ASCII characters of the class */
    Py_ssize_t lo, hi;      /* hi < 0: no upper bound */
} Atom;

typedef struct {
    PyObject *name; /* the field's name (a str of the tree) */
    PyObject *seen; /* the last key object found equal to name, or NULL */
    Node *node;
} Prop;

struct Node {
    int kind;
    Py_ssize_t lo, hi; /* string length, array size; hi < 0: no upper bound */
    /* INTEGER */
    int has_min, has_max;
    long long min, max;
    /* STRING */
    Py_ssize_t n_atoms; /* -1: no pattern */
    Atom *atoms;
    PyObject *allowed; /* a frozenset of str, or NULL */
    /* OBJECT */
    Py_ssize_t n_props;
    Prop *props;
    uint64_t required;
    int strict;
    /* ARRAY: items; ANY_OF: options */
    Node *items;
    Py_ssize_t n_options;
    Node **options;
};

static void release(Node *node) {
    if (node == NULL) {
        return;
    }
    PyMem_Free(node->atoms);
    Py_XDECREF(node->allowed);
    for (Py_ssize_t i = 0; i < node->n_props; i++) {
        Py_XDECREF(node->props[i].name);
        Py_XDECREF(node->props[i].seen);
        release(node->props[i].node);
    }
    PyMem_Free(node->props);
    release(node->items);
    for (Py_ssize_t i = 0; i < node->n_options; i++) {
        release(node->options[i]);
    }
    PyMem_Free(node->options);
    PyMem_Free(node);
}

/* ------------------------------------------------------------------ compiling the tree */

static int malformed(const char *what) {
    PyErr_Format(PyExc_ValueError, "conform tree: %s", what);
    return ERR;
}

static int size_at(PyObject *tuple, Py_ssize_t i, Py_ssize_t *out) {
    PyObject *v = PyTuple_GET_ITEM(tuple, i);
    if (!PyLong_CheckExact(v)) {
        return malformed("a count that is not an int");
    }
    *out = PyLong_AsSsize_t(v);
    return (*out == -1 && PyErr_Occurred()) ? ERR : YES;
}

static int bound_at(PyObject *tuple, Py_ssize_t i, int *has, long long *out) {
    PyObject *v = PyTuple_GET_ITEM(tuple, i);
    *has = v != Py_None;
    if (!*has) {
        return YES;
    }
    if (!PyLong_CheckExact(v)) {
        return malformed("a bound that is not an int");
    }
    *out = PyLong_AsLongLong(v);
    return (*out == -1 && PyErr_Occurred()) ? ERR : YES;
}

static Node *build(PyObject *tree, int depth);

static int build_string(Node *node, PyObject *tree) {
    if (PyTuple_GET_SIZE(tree) != 5 || size_at(tree, 1, &node->lo) != YES || size_at(tree, 2, &node->hi) != YES) {
        return PyErr_Occurred() ? ERR : malformed("a string node");
    }
    PyObject *atoms = PyTuple_GET_ITEM(tree, 3), *allowed = PyTuple_GET_ITEM(tree, 4);
    node->n_atoms = -1;
    if (atoms != Py_None) {
        if (!PyTuple_CheckExact(atoms)) {
            return malformed("atoms that are not a tuple");
        }
        node->n_atoms = PyTuple_GET_SIZE(atoms);
        node->atoms = PyMem_Calloc((size_t)node->n_atoms + 1, sizeof(Atom));
        if (node->atoms == NULL) {
            PyErr_NoMemory();
            return ERR;
        }
        for (Py_ssize_t i = 0; i < node->n_atoms; i++) {
            PyObject *atom = PyTuple_GET_ITEM(atoms, i);
            if (!PyTuple_CheckExact(atom) || PyTuple_GET_SIZE(atom) != 3 || !PyBytes_CheckExact(PyTuple_GET_ITEM(atom, 0)) ||
                PyBytes_GET_SIZE(PyTuple_GET_ITEM(atom, 0)) != 16) {
                return malformed("an atom");
            }
            memcpy(node->atoms[i].bits, PyBytes_AS_STRING(PyTuple_GET_ITEM(atom, 0)), 16);
            if (size_at(atom, 1, &node->atoms[i].lo) != YES || size_at(atom, 2, &node->atoms[i].hi) != YES) {
                return ERR;
            }
            if (i + 1 < node->n_atoms && node->atoms[i].lo != node->atoms[i].hi) {
                return malformed("an atom of varying count before the last");
            }
        }
    }
    if (allowed != Py_None) {
        if (!PyFrozenSet_CheckExact(allowed)) {
            return malformed("allowed values that are not a frozenset");
        }
        node->allowed = Py_NewRef(allowed);
    }
    return YES;
}

static int build_object(Node *node, PyObject *tree, int depth) {
    PyObject *props = PyTuple_GET_ITEM(tree, 1), *required = PyTuple_GET_ITEM(tree, 2);
    if (PyTuple_GET_SIZE(tree) != 4 || !PyDict_CheckExact(props) || !PyFrozenSet_CheckExact(required) ||
        PyDict_GET_SIZE(props) > MAX_PROPS) {
        return malformed("an object node");
    }
    node->strict = PyObject_IsTrue(PyTuple_GET_ITEM(tree, 3));
    node->props = PyMem_Calloc((size_t)PyDict_GET_SIZE(props) + 1, sizeof(Prop));
    if (node->props == NULL) {
        PyErr_NoMemory();
        return ERR;
    }
    Py_ssize_t pos = 0, met = 0;
    PyObject *key, *sub;
    while (PyDict_Next(props, &pos, &key, &sub)) {
        if (!PyUnicode_CheckExact(key)) {
            return malformed("a field name that is not a str");
        }
        Prop *prop = &node->props[node->n_props++];
        prop->name = Py_NewRef(key);
        if ((prop->node = build(sub, depth + 1)) == NULL) {
            return ERR;
        }
        int r = PySet_Contains(required, key);
        if (r < 0) {
            return ERR;
        }
        if (r) {
            node->required |= (uint64_t)1 << (node->n_props - 1);
            met++;
        }
    }
    return met == PySet_GET_SIZE(required) ? YES : malformed("a required field with no schema");
}

static int build_any_of(Node *node, PyObject *tree, int depth) {
    PyObject *options = PyTuple_GET_ITEM(tree, 1);
    if (PyTuple_GET_SIZE(tree) != 2 || !PyTuple_CheckExact(options)) {
        return malformed("an anyOf node");
    }
    node->options = PyMem_Calloc((size_t)PyTuple_GET_SIZE(options) + 1, sizeof(Node *));
    if (node->options == NULL) {
        PyErr_NoMemory();
        return ERR;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(options); i++) {
        if ((node->options[node->n_options++] = build(PyTuple_GET_ITEM(options, i), depth + 1)) == NULL) {
            return ERR;
        }
    }
    return YES;
}

static Node *build(PyObject *tree, int depth) {
    if (depth > MAX_DEPTH || !PyTuple_CheckExact(tree) || PyTuple_GET_SIZE(tree) < 1 ||
        !PyLong_CheckExact(PyTuple_GET_ITEM(tree, 0))) {
        malformed(depth > MAX_DEPTH ? "deeper than 64" : "a node that is not a tuple (kind, ...)");
        return NULL;
    }
    Node *node = PyMem_Calloc(1, sizeof(Node));
    if (node == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    node->kind = (int)PyLong_AsLong(PyTuple_GET_ITEM(tree, 0));
    node->hi = -1;
    Py_ssize_t size = PyTuple_GET_SIZE(tree);
    int r;
    switch (node->kind) {
    case OBJECT:
        r = build_object(node, tree, depth);
        break;
    case ARRAY:
        if (size != 4) {
            r = malformed("an array node");
        } else if (size_at(tree, 2, &node->lo) != YES || size_at(tree, 3, &node->hi) != YES) {
            r = ERR;
        } else {
            node->items = build(PyTuple_GET_ITEM(tree, 1), depth + 1);
            r = node->items == NULL ? ERR : YES;
        }
        break;
    case STRING:
        r = build_string(node, tree);
        break;
    case INTEGER:
        if (size != 3) {
            r = malformed("an integer node");
        } else {
            r = bound_at(tree, 1, &node->has_min, &node->min) == YES && bound_at(tree, 2, &node->has_max, &node->max) == YES
                    ? YES
                    : ERR;
        }
        break;
    case BOOLEAN:
    case NULL_:
        r = size == 1 ? YES : malformed("a boolean or null node");
        break;
    case ANY_OF:
        r = build_any_of(node, tree, depth);
        break;
    default:
        r = malformed("a node of unknown kind");
    }
    if (r != YES) {
        release(node);
        return NULL;
    }
    return node;
}

/* ------------------------------------------------------------------ walking a value */

static int walk(Node *node, PyObject *value);

/* Every code point of s in the atoms' classes, with each atom's count. Every atom but the
 * last has a fixed count (checked when compiled), so taking them in order is exact. */
static int matches(const Node *node, PyObject *s) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), at = 0;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    for (Py_ssize_t a = 0; a < node->n_atoms; a++) {
        const Atom *atom = &node->atoms[a];
        Py_ssize_t take = a + 1 < node->n_atoms ? atom->lo : n - at; /* the last atom takes the rest */
        if (take < atom->lo || (atom->hi >= 0 && take > atom->hi) || take > n - at) {
            return NO;
        }
        for (Py_ssize_t i = at; i < at + take; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c >= 128 || !(atom->bits[c >> 3] & (1u << (c & 7)))) {
                return NO;
            }
        }
        at += take;
    }
    return at == n ? YES : NO;
}

static int string(const Node *node, PyObject *value) {
    if (!PyUnicode_CheckExact(value)) {
        return NO;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    if (n < node->lo || (node->hi >= 0 && n > node->hi)) {
        return NO;
    }
    if (node->n_atoms >= 0 && matches(node, value) != YES) {
        return NO;
    }
    return node->allowed == NULL ? YES : PySet_Contains(node->allowed, value); /* YES, NO or ERR */
}

static int integer(const Node *node, PyObject *value) {
    if (!PyLong_CheckExact(value)) { /* bool is a subclass of int, and no JSON integer */
        return NO;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (v == -1 && PyErr_Occurred()) {
        return ERR;
    }
    if (node->has_min && (overflow < 0 || (overflow == 0 && v < node->min))) {
        return NO;
    }
    if (node->has_max && (overflow > 0 || (overflow == 0 && v > node->max))) {
        return NO;
    }
    return YES;
}

static int same_text(PyObject *a, PyObject *b) {
    /* CPython's str are canonical (the narrowest kind that holds them), so equal strings
     * have equal kinds; a string that is not would only be declined. */
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    return n == PyUnicode_GET_LENGTH(b) && PyUnicode_KIND(a) == PyUnicode_KIND(b) &&
           memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)n * PyUnicode_KIND(a)) == 0;
}

static Prop *field(Node *node, PyObject *key) {
    for (Py_ssize_t i = 0; i < node->n_props; i++) {
        if (node->props[i].seen == key || node->props[i].name == key) {
            return &node->props[i];
        }
    }
    if (!PyUnicode_CheckExact(key)) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < node->n_props; i++) {
        Prop *prop = &node->props[i];
        if (same_text(prop->name, key)) {
            Py_XSETREF(prop->seen, Py_NewRef(key)); /* held, so its address means this key */
            return prop;
        }
    }
    return NULL;
}

static int object(Node *node, PyObject *value) {
    if (!PyDict_CheckExact(value)) {
        return NO;
    }
    Py_ssize_t pos = 0;
    PyObject *key, *item;
    uint64_t met = 0;
    while (PyDict_Next(value, &pos, &key, &item)) {
        Prop *prop = field(node, key);
        if (prop == NULL) {
            if (node->strict) {
                return NO; /* additionalProperties: false */
            }
            continue;
        }
        int r = walk(prop->node, item);
        if (r != YES) {
            return r;
        }
        met |= (uint64_t)1 << (prop - node->props);
    }
    /* The keys of a dict are distinct, and each is at most one field. */
    return (met & node->required) == node->required ? YES : NO;
}

static int array(Node *node, PyObject *value) {
    if (!PyList_CheckExact(value)) {
        return NO;
    }
    Py_ssize_t n = PyList_GET_SIZE(value);
    if (n < node->lo || (node->hi >= 0 && n > node->hi)) {
        return NO;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        int r = walk(node->items, PyList_GET_ITEM(value, i));
        if (r != YES) {
            return r;
        }
    }
    return YES;
}

static int walk(Node *node, PyObject *value) {
    switch (node->kind) {
    case OBJECT:
        return object(node, value);
    case ARRAY:
        return array(node, value);
    case STRING:
        return string(node, value);
    case INTEGER:
        return integer(node, value);
    case BOOLEAN:
        return PyBool_Check(value) ? YES : NO;
    case NULL_:
        return value == Py_None ? YES : NO;
    case ANY_OF:
        for (Py_ssize_t i = 0; i < node->n_options; i++) {
            int r = walk(node->options[i], value);
            if (r != NO) {
                return r;
            }
        }
        return NO;
    default:
        return NO;
    }
}

/* ------------------------------------------------------------------ the module */

#define CAPSULE "newsclaims._conform.program"

static void free_program(PyObject *capsule) { release(PyCapsule_GetPointer(capsule, CAPSULE)); }

static PyObject *compile(PyObject *self, PyObject *tree) {
    (void)self;
    Node *root = build(tree, 0);
    if (root == NULL) {
        return NULL;
    }
    PyObject *capsule = PyCapsule_New(root, CAPSULE, free_program);
    if (capsule == NULL) {
        release(root);
    }
    return capsule;
}

static PyObject *conforms(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "conforms(program, value)");
        return NULL;
    }
    Node *root = PyCapsule_GetPointer(args[0], CAPSULE);
    if (root == NULL) {
        return NULL;
    }
    int r = walk(root, args[1]);
    if (r == ERR) {
        if (PyErr_ExceptionMatches(PyExc_MemoryError)) {
            return NULL;
        }
        PyErr_Clear(); /* e.g. an unhashable value: not ours to judge */
        Py_RETURN_FALSE;
    }
    return PyBool_FromLong(r == YES);
}

static PyMethodDef methods[] = {
    {"compile", compile, METH_O, "compile(tree) -> program\n\nThe C form of a tree made by conform.program."},
    {"conforms", (PyCFunction)(void (*)(void))conforms, METH_FASTCALL,
     "conforms(program, value) -> bool\n\n"
     "True when value is valid for the JSON Schema the program was compiled from."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_conform", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__conform(void) { return PyModule_Create(&module); }
