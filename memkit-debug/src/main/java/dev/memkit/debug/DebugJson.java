package dev.memkit.debug;

import dev.memkit.internal.JsonWriter;

import java.util.List;

/** The JSON forms of histograms, their diffs and allocation profiles (fields in docs/DEBUG-ENDPOINT.md). Stateless. */
final class DebugJson {
    private DebugJson() {}

    static String histogram(HeapHistogram h, int top) {
        JsonWriter w = new JsonWriter();
        w.beginObject().field("time", h.time().toString()).field("totalInstances", h.totalInstances())
                .field("totalBytes", h.totalBytes()).name("classes").beginArray();
        for (HeapHistogram.Entry e : h.top(top)) {
            w.beginObject().field("className", e.className()).field("instances", e.instances())
                    .field("bytes", e.bytes()).endObject();
        }
        return w.endArray().endObject().toString();
    }

    static String diff(HeapHistogram base, HeapHistogram now, int top) {
        JsonWriter w = new JsonWriter();
        w.beginObject().field("baseTime", base.time().toString()).field("time", now.time().toString())
                .field("totalBytesDelta", now.totalBytes() - base.totalBytes()).name("grew").beginArray();
        List<HeapHistogram.Delta> grew = now.diff(base);
        for (HeapHistogram.Delta d : grew.subList(0, Math.min(top, grew.size()))) {
            w.beginObject().field("className", d.className()).field("instancesDelta", d.instancesDelta())
                    .field("bytesDelta", d.bytesDelta()).field("bytesNow", d.bytesNow()).endObject();
        }
        return w.endArray().endObject().toString();
    }

    static String profile(AllocationProfile p) {
        JsonWriter w = new JsonWriter();
        w.beginObject().field("durationMillis", p.duration().toMillis()).field("totalBytes", p.totalBytes())
                .field("samples", p.samples()).name("sites").beginArray();
        for (AllocationProfile.Site s : p.sites()) {
            w.beginObject().field("frame", s.frame()).field("objectClass", s.objectClass())
                    .field("bytes", s.bytes()).field("samples", s.samples()).endObject();
        }
        return w.endArray().endObject().toString();
    }
}
