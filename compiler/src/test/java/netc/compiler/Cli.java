package netc.compiler;

import java.io.PrintWriter;
import java.io.StringWriter;
import netc.compiler.cli.Main;

/** Runs the command line in-process and captures what it prints. */
public record Cli(int status, String out, String err) {
    public static Cli run(Object... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        String[] a = new String[args.length];
        for (int i = 0; i < args.length; i++) a[i] = String.valueOf(args[i]);
        int status = Main.execute(a, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(status, out.toString(), err.toString());
    }

    /** The last line of standard output (the --json summary). */
    public String lastLine() {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }
}
