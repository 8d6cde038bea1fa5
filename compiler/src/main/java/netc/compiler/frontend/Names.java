package netc.compiler.frontend;

import java.util.Collection;

/** "Did you mean" suggestions by edit distance (an adjacent transposition counts as one edit). */
final class Names {
    private Names() {
    }

    /**
     * The known name nearest to {@code name}, or null when none is close enough to suggest; at equal distances the
     * alphabetically first, so that the answer does not depend on the order of {@code known}.
     */
    static String nearest(String name, Collection<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(name.toLowerCase(), k.toLowerCase());
            if (d < bestD || (d == bestD && k.compareTo(best) < 0)) {
                bestD = d;
                best = k;
            }
        }
        return best != null && bestD <= Math.max(1, Math.min(3, name.length() / 2)) ? best : null;
    }

    /** " (did you mean 'x'?)" or "". */
    static String suggestion(String name, Collection<String> known) {
        String n = nearest(name, known);
        return n == null ? "" : " (did you mean '" + n + "'?)";
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i][j - 1] + 1, d[i - 1][j] + 1), d[i - 1][j - 1] + c);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
