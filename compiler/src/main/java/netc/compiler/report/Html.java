package netc.compiler.report;

/** Escaping of text put into HTML and SVG. */
final class Html {
    private Html() {
    }

    /** {@code s} with {@code & < > " '} replaced by entities, safe in element text and in attributes quoted either way. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
