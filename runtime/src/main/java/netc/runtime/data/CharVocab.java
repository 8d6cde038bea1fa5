package netc.runtime.data;

/**
 * The fixed character vocabulary of character-level models: index 0 is a newline, 1..95 are the printable ASCII
 * characters from space to '~'. Other characters (tabs, non-ASCII) read as a space.
 */
public final class CharVocab {
    /** The number of symbols. */
    public static final int SIZE = 96;

    private CharVocab() {
    }

    public static int index(char c) {
        if (c == '\n') return 0;
        if (c >= ' ' && c <= '~') return c - ' ' + 1;
        return 1;
    }

    public static char symbol(int i) {
        if (i <= 0 || i >= SIZE) return '\n';
        return (char) (' ' + i - 1);
    }

    public static int[] encode(CharSequence s) {
        int[] r = new int[s.length()];
        for (int i = 0; i < r.length; i++) r[i] = index(s.charAt(i));
        return r;
    }
}
