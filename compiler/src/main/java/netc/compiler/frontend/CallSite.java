package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import netc.compiler.ir.Node;
import netc.compiler.ir.Span;

/**
 * A call of a built-in with its arguments evaluated: typed accessors by position or name that report
 * wrong or missing arguments at their place.
 */
final class CallSite {
    final Ast.Call call;
    final ModelBuilder builder;
    private final List<Object> positional = new ArrayList<>();
    private final List<Span> positionalSpans = new ArrayList<>();
    private final Map<String, Object> named = new LinkedHashMap<>();
    private final Map<String, Span> namedSpans = new LinkedHashMap<>();

    CallSite(Ast.Call call, ModelBuilder builder, List<Object> values) {
        this.call = call;
        this.builder = builder;
        for (int i = 0; i < call.args().size(); i++) {
            Ast.Arg a = call.args().get(i);
            if (a.name() == null) {
                if (!named.isEmpty()) throw new BuildError(a.span(), "positional argument after a named one");
                positional.add(values.get(i));
                positionalSpans.add(a.span());
            } else {
                if (named.containsKey(a.name())) throw new BuildError(a.span(), "argument '" + a.name() + "' given twice");
                named.put(a.name(), values.get(i));
                namedSpans.put(a.name(), a.span());
            }
        }
    }

    String name() {
        return call.callee();
    }

    Span span() {
        return call.span();
    }

    int positionalCount() {
        return positional.size();
    }

    /**
     * Checks the argument list against a signature: {@code params} are the parameter names in positional
     * order, the first {@code required} of them required.
     */
    void expect(int required, String... params) {
        if (positional.size() > params.length) {
            throw new BuildError(positionalSpans.get(params.length), name() + " takes at most " + params.length
                    + " positional argument" + (params.length == 1 ? "" : "s") + " (" + String.join(", ", params) + ")");
        }
        for (String k : named.keySet()) {
            int at = List.of(params).indexOf(k);
            if (at < 0) {
                throw new BuildError(namedSpans.get(k), name() + " has no argument '" + k + "'"
                        + Names.suggestion(k, Set.of(params)) + "; it takes " + String.join(", ", params));
            }
            if (at < positional.size()) throw new BuildError(namedSpans.get(k), "argument '" + k + "' given twice");
        }
        for (int i = 0; i < required; i++) {
            if (i >= positional.size() && !named.containsKey(params[i])) {
                throw new BuildError(span(), name() + " needs argument '" + params[i] + "' (" + String.join(", ", params) + ")");
            }
        }
    }

    /**
     * Checks a variadic call: any number of positional arguments (at least {@code min}, described by {@code what}),
     * and only the named arguments {@code named}.
     */
    void expectVariadic(int min, String what, String... keys) {
        for (String k : named.keySet()) {
            if (!List.of(keys).contains(k)) {
                throw new BuildError(namedSpans.get(k), name() + " has no argument '" + k + "'" + Names.suggestion(k, Set.of(keys))
                        + "; it takes " + what + (keys.length == 0 ? "" : ", " + String.join(", ", keys)));
            }
        }
        if (positional.size() < min) throw new BuildError(span(), name() + " needs " + what);
    }

    /** For variadic built-ins (l1, l2): no named arguments. */
    void expectPositionalOnly() {
        for (String k : named.keySet()) {
            throw new BuildError(namedSpans.get(k), name() + " takes tensors only, no named argument '" + k + "'");
        }
    }

    boolean has(int index, String key) {
        return (index >= 0 && index < positional.size()) || named.containsKey(key);
    }

    Object raw(int index, String key) {
        return index >= 0 && index < positional.size() ? positional.get(index) : named.get(key);
    }

    Span spanOf(int index, String key) {
        if (index >= 0 && index < positionalSpans.size()) return positionalSpans.get(index);
        return namedSpans.getOrDefault(key, span());
    }

    Node tensor(int index, String key) {
        Object v = raw(index, key);
        if (v == null) throw new BuildError(span(), name() + " needs argument '" + key + "'");
        return builder.asTensor(v, spanOf(index, key));
    }

    double number(int index, String key, double dflt) {
        Object v = raw(index, key);
        if (v == null) return dflt;
        if (v instanceof NumVal n) return n.value();
        throw new BuildError(spanOf(index, key), name() + ": '" + key + "' must be a number known at compile time");
    }

    int integer(int index, String key, int dflt) {
        Object v = raw(index, key);
        if (v == null) return dflt;
        if (v instanceof NumVal n && n.integral()) {
            Integer i = n.asInt();
            if (i == null) throw new BuildError(spanOf(index, key), name() + ": '" + key + "' is " + n.show() + ", out of the range of an int");
            return i;
        }
        throw new BuildError(spanOf(index, key), name() + ": '" + key + "' must be an integer");
    }

    boolean bool(int index, String key, boolean dflt) {
        Object v = raw(index, key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw new BuildError(spanOf(index, key), name() + ": '" + key + "' must be true or false");
    }

    String string(int index, String key, String dflt) {
        Object v = raw(index, key);
        if (v == null) return dflt;
        if (v instanceof String s) return s;
        throw new BuildError(spanOf(index, key), name() + ": '" + key + "' must be a string");
    }

    /** All positional arguments from {@code from} on, as tensors (for variadic built-ins like l2). */
    List<Node> tensorsFrom(int from) {
        List<Node> l = new ArrayList<>();
        for (int i = from; i < positional.size(); i++) l.add(builder.asTensor(positional.get(i), positionalSpans.get(i)));
        return l;
    }
}
