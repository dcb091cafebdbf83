package dev.memkit.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the {@code memkit} command in-process with captured output, for tests. */
public final class CliRun {
    private CliRun() {}

    /**
     * What a run printed and returned.
     *
     * @param exit the exit code
     * @param out standard output
     * @param err standard error
     */
    public record Outcome(int exit, String out, String err) {}

    /**
     * Runs the command line.
     *
     * @param args the arguments
     * @return the outcome
     */
    public static synchronized Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
