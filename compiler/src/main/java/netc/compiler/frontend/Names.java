package netc.compiler.frontend;

import java.util.Collection;

/** "Did you mean" suggestions by edit distance. */
final class Names {
    private Names() {
    }

    /** The known name nearest to {@code name}, or null when none is close enough to suggest. */
    static String nearest(String name, Collection<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(name.toLowerCase(), k.toLowerCase());
            if (d < bestD) {
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

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
