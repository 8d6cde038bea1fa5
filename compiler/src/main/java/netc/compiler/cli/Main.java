package netc.compiler.cli;

import java.io.PrintWriter;
import java.util.List;
import netc.runtime.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code netc} command line. Exit status 0 on success, 1 on a user error (bad model, data or flags) with a
 * message and no stack trace, 2 on an internal error.
 */
@Command(name = "netc", mixinStandardHelpOptions = true, version = "netc 0.1.0",
        description = "Compiles .net neural-network models to Java, trains and runs them.",
        subcommands = {CheckCommand.class, ParamsCommand.class, SummaryCommand.class, GraphCommand.class, CompileCommand.class,
                TrainCommand.class, EvaluateCommand.class, PredictCommand.class, RunCommand.class, ConvertCommand.class, ImportCommand.class, ExportCommand.class, SampleCommand.class, BenchCommand.class, PlayCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: check, params, graph, compile, train or run");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true), err = new PrintWriter(System.err, true);
        int status = execute(args, out, err);
        // print() does not flush an auto-flushing writer: the text of `graph --text` would be lost
        out.flush();
        err.flush();
        System.exit(status);
    }

    /** Runs the command line with these streams and returns the exit status (for tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            // one line: the problem and where to read more
            String cmd = ex.getCommandLine().getCommandName().equals("netc") ? "" : ex.getCommandLine().getCommandName() + " ";
            String msg = String.valueOf(ex.getMessage()).strip().replace('\n', ' ');
            List<String> hints = ex instanceof CommandLine.UnmatchedArgumentException u ? u.getSuggestions() : List.of();
            err.println("netc: " + msg + (hints.isEmpty() ? "" : " (did you mean " + String.join(" or ", hints) + "?)")
                    + "; try 'netc " + cmd + "--help'");
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            Throwable t = ex;
            while (!(t instanceof UserError) && t.getCause() != null && t.getCause() != t) t = t.getCause();
            if (t instanceof UserError u) {
                // model errors are already located (file:line:col: error: ...); others get the program's name
                err.println(u.getMessage().contains(": error: ") ? u.getMessage() : "netc: " + u.getMessage());
                return 1;
            }
            for (Throwable io = ex; io != null; io = io.getCause() == io ? null : io.getCause()) {
                // the file system's refusal (no space, no permission, a read-only disk) is the machine's, not a bug
                if (io instanceof java.io.IOException e) {
                    err.println("netc: " + ioMessage(e));
                    return 1;
                }
            }
            err.println("netc: internal error: " + ex);
            if (System.getenv("NETC_DEBUG") != null) ex.printStackTrace(err);
            else err.println("(set NETC_DEBUG=1 to see the stack trace)");
            return 2;
        });
        // a deep stack: the front end recurses over expressions, and a model may hold long ones
        int[] status = {2};
        Thread t = new Thread(null, () -> status[0] = run(cl, args, err), "netc", STACK_BYTES);
        t.start();
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                t.interrupt();
            }
        }
        out.flush();
        err.flush();
        return status[0];
    }

    private static final long STACK_BYTES = 256L << 20;

    /** "FILE: cannot write (No space left on device)", from what the file system said. */
    static String ioMessage(java.io.IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException a) return a.getFile() + ": permission denied";
        if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
        }
        return String.valueOf(e.getMessage()).strip().replace('\n', ' ');
    }

    private static int run(CommandLine cl, String[] args, PrintWriter err) {
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("netc: out of memory; give the JVM more with JAVA_OPTS=-Xmx8g or use a smaller batch");
            return 1;
        } catch (StackOverflowError e) {
            err.println("netc: internal error: stack overflow");
            return 2;
        } catch (RuntimeException | Error e) {
            err.println("netc: internal error: " + e);
            if (System.getenv("NETC_DEBUG") != null) e.printStackTrace(err);
            return 2;
        }
    }
}
