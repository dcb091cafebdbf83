package dev.memkit.adversarial;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a scenario's {@code main} in a child JVM on this test's class path, so that a scenario that crashes the JVM
 * (SIGSEGV, hs_err) fails its test instead of killing the test run. Each run is bounded in time.
 */
final class ChildJvm {
    /** What a child did: its exit code (or -1 when killed at the bound) and everything it printed. */
    record Result(int exitCode, String output) {
        boolean crashed() {
            return output.contains("A fatal error has been detected by the Java Runtime Environment")
                    || exitCode == 134 || exitCode == 139;
        }
    }

    private ChildJvm() {}

    static Result run(Class<?> main, List<String> jvmArgs, String... args) throws IOException, InterruptedException {
        return start(main, jvmArgs, args).await(90);
    }

    static Running start(Class<?> main, List<String> jvmArgs, String... args) throws IOException {
        Path out = Files.createTempFile("memkit-child", ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:ErrorFile=" + out.getParent().resolve("memkit-child-hs_err_%p.log"));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new Running(p, out);
    }

    /** A child still running. */
    record Running(Process process, Path log) {
        Result await(long seconds) throws IOException, InterruptedException {
            boolean done = process.waitFor(seconds, TimeUnit.SECONDS);
            if (!done) {
                process.destroyForcibly().waitFor();
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            return new Result(done ? process.exitValue() : -1, text);
        }
    }

    /** The JVM flags of a user who grants memkit native access, and of one who does not. */
    static List<List<String>> accessModes() {
        return List.of(List.of("--enable-native-access=ALL-UNNAMED"), List.of());
    }
}
