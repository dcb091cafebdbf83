/**
 * memkit's debugging tools, apart from the library so that a service that does not serve them does not load an
 * HTTP server: the opt-in {@link dev.memkit.debug.DebugEndpoint} ({@code /debug/memory}: live page, JSON,
 * histograms, profiles, dumps), {@link dev.memkit.debug.HeapHistogram} and its diffs,
 * {@link dev.memkit.debug.AllocationProfile} (JFR allocation samples) and {@link dev.memkit.debug.HeapDumps}.
 * Calls no restricted method.
 */
module dev.memkit.debug {
    requires transitive dev.memkit;
    requires jdk.httpserver;
    requires jdk.jfr;
    requires jdk.management;

    exports dev.memkit.debug;
}
