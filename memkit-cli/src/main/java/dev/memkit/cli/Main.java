package dev.memkit.cli;

import dev.memkit.cli.demo.DemoCommand;
import dev.memkit.internal.IoErrors;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code memkit} command. */
@Command(name = "memkit", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Memory management for data-intensive Java services: demos and tools.",
        subcommands = {DemoCommand.class, BackupCommand.class, ReceiveCommand.class, VerifyCommand.class,
                LayoutCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (0 success, 1 failure, 2 usage error). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("memkit: " + IoErrors.describe(e)); // names the cause of a bare file error
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The version Maven built, from {@code version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (var in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"memkit " + p.getProperty("version", "(unknown version)"),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
