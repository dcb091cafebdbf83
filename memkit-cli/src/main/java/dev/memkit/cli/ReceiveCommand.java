package dev.memkit.cli;

import dev.memkit.cli.backup.Receiver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code memkit receive --listen PORT --out DIR}: the receiving end of a backup. Runs until stopped. */
@Command(name = "receive", mixinStandardHelpOptions = true,
        description = "Receive backups: verify every chunk and file digest, write the restored tree under --out.")
public final class ReceiveCommand implements Callable<Integer> {
    @Option(names = "--listen", required = true, paramLabel = "PORT", description = "TCP port (0 picks one)")
    int port;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where restored files go")
    Path out;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
            description = "address to listen on (default ${DEFAULT-VALUE}; use 0.0.0.0 for all)")
    String bind;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--listen must be a port in [0, 65535], got " + port);
        }
        try (Receiver r = new Receiver(InetAddress.getByName(bind), port, out)) {
            System.out.println("memkit receive: listening on " + bind + ":" + r.port() + ", writing to "
                    + out.toAbsolutePath());
            System.out.flush();
            r.awaitClose();
        }
        return 0;
    }
}
