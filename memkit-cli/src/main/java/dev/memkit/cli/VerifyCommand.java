package dev.memkit.cli;

import dev.memkit.cli.backup.TreeDiff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code memkit verify SRC RESTORED}: compares a tree with its restore, metadata and links included. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compare a tree with its restore: contents, modes, modification times, symbolic link targets,"
                + " hard links and names byte for byte. Exit 0 only if they are the same.")
public final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SRC", description = "the tree that was backed up")
    Path source;

    @Parameters(index = "1", paramLabel = "RESTORED", description = "its restore")
    Path restored;

    @Override
    public Integer call() throws Exception {
        List<String> diffs = TreeDiff.compare(source, restored);
        if (diffs.isEmpty()) {
            System.out.println("memkit verify: " + restored + " is the same tree as " + source);
            return 0;
        }
        System.out.println("memkit verify: " + diffs.size() + " difference(s) between " + source + " and " + restored);
        diffs.stream().limit(100).forEach(d -> System.out.println("  " + d));
        if (diffs.size() > 100) {
            System.out.println("  ... and " + (diffs.size() - 100) + " more");
        }
        return 1;
    }
}
