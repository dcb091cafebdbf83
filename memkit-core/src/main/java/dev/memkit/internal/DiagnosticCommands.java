package dev.memkit.internal;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/**
 * Runs HotSpot diagnostic commands (what {@code jcmd} runs) through the platform MBean server, so memkit needs no
 * attach API and no native call. Thread-safe.
 */
public final class DiagnosticCommands {
    private DiagnosticCommands() {}

    /**
     * Runs a command.
     *
     * @param operation the MBean operation, e.g. {@code gcClassHistogram} for {@code GC.class_histogram}
     * @param args the command's arguments
     * @return the command's text output
     * @throws UnsupportedOperationException when this JVM has no such command or it failed
     */
    public static String run(String operation, String... args) {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
                    new Object[] {args}, new String[] {String[].class.getName()});
            return out == null ? "" : out.toString();
        } catch (Exception | LinkageError e) {
            throw new UnsupportedOperationException("diagnostic command " + operation + " failed: " + e, e);
        }
    }
}
