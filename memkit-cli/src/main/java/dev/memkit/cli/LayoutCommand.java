package dev.memkit.cli;

import dev.memkit.cli.layout.LayoutReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code memkit layout CLASS [--count N] [--class-path PATHS]}: what a class costs on and off the heap. */
@Command(name = "layout", mixinStandardHelpOptions = true,
        description = "Show a class's heap layout (header, fields, alignment loss, references the GC traces, boxed "
                + "fields) and the cost of N instances in typical collections next to memkit's pointer-free "
                + "off-heap record.")
public final class LayoutCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLASS", description = "fully qualified class name")
    String className;

    /** Sizes of up to 10^12 instances of any class stay far inside a long. */
    static final long MAX_COUNT = 1_000_000_000_000L;

    @Option(names = "--count", defaultValue = "1000000", paramLabel = "N",
            description = "instances to cost (default ${DEFAULT-VALUE})")
    long count;

    @Option(names = {"--class-path", "-cp"}, paramLabel = "PATHS",
            description = "jars or directories to load CLASS from, separated by the platform path separator")
    String classPath;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("--count must be in [1, " + MAX_COUNT + "], got " + count);
        }
        ClassLoader loader = getClass().getClassLoader();
        if (classPath != null) {
            List<URL> urls = new ArrayList<>();
            for (String p : classPath.split(java.io.File.pathSeparator)) {
                Path path = Path.of(p);
                if (!Files.exists(path)) {
                    throw new IllegalArgumentException("--class-path entry does not exist: " + p);
                }
                urls.add(path.toUri().toURL());
            }
            loader = new URLClassLoader(urls.toArray(URL[]::new), loader);
        }
        Class<?> cls;
        try {
            cls = Class.forName(className, false, loader);
        } catch (LinkageError e) { // its superclass or an interface is missing, or the class file is bad
            throw new IllegalArgumentException("cannot load " + className + ": " + e
                    + " (add what it needs with --class-path)", e);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("class not found: " + className
                    + (classPath == null ? " (use --class-path to add jars or directories)" : ""), e);
        }
        LayoutReport report;
        try {
            report = LayoutReport.analyze(cls);
        } catch (LinkageError e) { // a superclass or field type missing from the class path, or a bad class file
            throw new IllegalArgumentException("cannot load " + className + ": " + e
                    + " (add what it needs with --class-path)", e);
        }
        System.out.print(report.render(count));
        return 0;
    }
}
