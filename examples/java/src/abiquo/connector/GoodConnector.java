package abiquo.connector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Correct backup connector for Abiquo 3.8.5: one sync pass that reports backups without touching keys it does not
 * own.
 *
 * <ol>
 *   <li>GET {API}/version (text/plain) and log it.
 *   <li>Walk datacenters, racks, machines and virtualmachines by following links (each link's {@code type} as
 *       Accept) and {@code rel=next} paging; those are the deployed VMs.
 *   <li>For each VM, GET its {@code metadata} link. For every type / granularity entry of {@code backupSchedule}
 *       ({@code policies}, a list of policy codes, is skipped) "perform" a backup. An entry may have no
 *       {@code time} (NOT_APPLY: the backup system decides when) and no day keys.
 *   <li>Append one result per entry to {@code backupResults.results} and PUT the whole envelope back: it is a
 *       Jackson tree, so every other key ({@code policyBindings}, {@code chef}, big numbers...) goes back as read.
 *   <li>A transient failure (no answer, a cut answer, 5xx, 409 VM-2, 409 StaleObject) is tried again with a
 *       growing pause. A failed write is retried by reading the metadata again and adding only the results it
 *       lacks: the write may have committed with its answer lost.
 * </ol>
 *
 * <p>Environment: ABIQUO_API_URL, ABIQUO_USER, ABIQUO_PASSWORD. Exit status: 0 every request succeeded; 1 a request
 * failed (each Abiquo error is printed to stderr, the other VMs are still tried); 2 the environment is incomplete.
 */
public class GoodConnector {
    static final List<String> BACKUP_TYPES = List.of("complete", "snapshot", "filesystem");
    static final List<String> GRANULARITIES = List.of("defined_hour", "hourly", "daily", "weekly_planned", "monthly");
    static final List<String> WEEKDAYS =
            List.of("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday");
    static final String NOT_APPLY = "NOT_APPLY";
    static final String METADATA_MEDIA = AbiquoClient.mediaType("metadata"); // for the PUT: Content-Type and Accept
    static final long GIB = 1L << 30;
    static final int ATTEMPTS = 8; // tries of one request before it counts as failed
    static final long FIRST_PAUSE_MS = 20; // before the second try; doubled each time, at most MAX_PAUSE_MS
    static final long MAX_PAUSE_MS = 500;
    /** Abiquo's result date format, always written in UTC. */
    static final DateTimeFormatter ABIQUO_DATE =
            DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss Z").withZone(ZoneOffset.UTC);

    /** One type / granularity entry of a {@code backupSchedule}. */
    record ScheduleEntry(String type, String granularity, JsonNode entry) {}

    protected final AbiquoClient client;
    protected final PrintStream out = System.out;
    protected final PrintStream err = System.err;
    private int vmsSeen;
    private int vmsBackedUp;
    private int resultsWritten;
    private int errors;

    protected GoodConnector(AbiquoClient client) {
        this.client = client;
    }

    protected String name() {
        return "GoodConnector";
    }

    public static void main(String[] args) {
        System.exit(launch("GoodConnector", GoodConnector::new));
    }

    /** Builds the connector from the environment and runs its pass; the exit status. */
    static int launch(String name, Function<AbiquoClient, GoodConnector> connector) {
        List<String> missing = new ArrayList<>();
        AbiquoClient client = AbiquoClient.fromEnvironment(System.getenv(), missing);
        if (client == null) {
            System.err.println(name + ": missing environment variable(s): " + String.join(", ", missing));
            return 2;
        }
        return connector.apply(client).run();
    }

    // ------------------------------------------------------------------------------------------- the pass

    int run() {
        logVersion();
        Set<String> seenMetadata = new HashSet<>();
        for (JsonNode datacenter : collect(client.url("admin/datacenters"), AbiquoClient.mediaType("datacenters"))) {
            for (JsonNode rack : follow(datacenter, "racks", "racks")) {
                for (JsonNode machine : follow(rack, "machines", "machines")) {
                    for (JsonNode vm : follow(machine, "virtualmachines", "virtualmachines")) {
                        if (vm.path("state").asText().equals("NOT_ALLOCATED")) {
                            continue;
                        }
                        JsonNode link = AbiquoClient.findLink(vm, "metadata");
                        String href = AbiquoClient.href(link);
                        if (href != null && !seenMetadata.add(href)) {
                            continue; // the same VM listed twice
                        }
                        vmsSeen++;
                        syncVm(vm, link);
                    }
                }
            }
        }
        out.println(summary());
        return errors == 0 ? 0 : 1;
    }

    String summary() {
        return String.format(
                "%s: VMs seen %d, VMs backed up %d, results written %d, errors %d",
                name(), vmsSeen, vmsBackedUp, resultsWritten, errors);
    }

    void fail(ApiError error) {
        errors++;
        err.println("ERROR " + error.getMessage());
    }

    void logVersion() {
        try {
            String version = client.getText(client.url("version"), "text/plain").strip();
            out.println("Abiquo API " + client.apiUrl + ", version " + version);
        } catch (ApiError error) {
            fail(error);
        }
    }

    // ------------------------------------------------------------------------------------------- transient failures

    /** How many times one request is tried before it counts as failed. */
    protected int attempts() {
        return ATTEMPTS;
    }

    /** Whether to try again after {@code error} on try number {@code attempt}; pauses first. */
    boolean retrying(int attempt, ApiError error) {
        if (attempt >= attempts() || !AbiquoClient.isTransient(error)) {
            return false;
        }
        err.printf("RETRY %s (try %d of %d)%n", error.getMessage(), attempt + 1, attempts());
        try {
            Thread.sleep(Math.min(FIRST_PAUSE_MS << (attempt - 1), MAX_PAUSE_MS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    JsonNode getJson(String url, String accept) throws ApiError {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.getJson(url, accept);
            } catch (ApiError error) {
                if (!retrying(attempt, error)) {
                    throw error;
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------- collections

    /** Adds every item of a paged collection to {@code items}: every page, each page's fetch retried. */
    protected void collection(String url, String accept, List<JsonNode> items) throws ApiError {
        Set<String> seen = new HashSet<>();
        while (url != null && seen.add(url)) { // a page linked to itself must not loop us forever
            JsonNode page = getJson(url, accept);
            page.path("collection").forEach(items::add);
            JsonNode next = AbiquoClient.findLink(page, "next");
            url = AbiquoClient.href(next);
            accept = AbiquoClient.linkAccept(next, accept);
        }
    }

    /** Every item of a collection; on an API error it is reported and what was read is kept. */
    List<JsonNode> collect(String url, String accept) {
        List<JsonNode> items = new ArrayList<>();
        try {
            collection(url, accept, items);
        } catch (ApiError error) {
            fail(error);
        }
        return items;
    }

    /** The items of the collection that {@code entity} links to with {@code rel} (none without such a link). */
    List<JsonNode> follow(JsonNode entity, String rel, String media) {
        JsonNode link = AbiquoClient.findLink(entity, rel);
        String href = AbiquoClient.href(link);
        return href == null ? List.of() : collect(href, AbiquoClient.linkAccept(link, AbiquoClient.mediaType(media)));
    }

    // ------------------------------------------------------------------------------------------- one VM

    void syncVm(JsonNode vm, JsonNode link) {
        String href = AbiquoClient.href(link);
        if (href == null) {
            out.println(vmLabel(vm) + ": no metadata link, skipped");
            return;
        }
        JsonNode envelope;
        try {
            envelope = getJson(href, AbiquoClient.linkAccept(link, METADATA_MEDIA));
        } catch (ApiError error) {
            fail(error);
            return;
        }
        List<ScheduleEntry> entries = scheduleEntries(envelope.path("metadata").path("backupSchedule"));
        if (entries.isEmpty()) {
            out.println(vmLabel(vm) + ": no backup schedule, nothing to do");
            return;
        }
        List<ObjectNode> results = new ArrayList<>();
        for (ScheduleEntry entry : entries) {
            String timing = plan(vm, entry);
            ObjectNode result = performBackup(vm, entry);
            out.printf("%s: %s/%s %s -> backup %s, %d bytes, %s%n", vmLabel(vm), entry.type(), entry.granularity(),
                    timing, result.get("id").asText(), result.get("size").asLong(), result.get("status").asText());
            results.add(result);
        }
        try {
            save(link, envelope, results);
        } catch (ApiError error) {
            fail(error);
            return;
        }
        vmsBackedUp++;
        resultsWritten += results.size();
    }

    /**
     * PUT the envelope with {@code results} added. After a transient failure, read the metadata again and add only
     * the results it lacks: the failed write may have committed and only its answer been lost.
     */
    void save(JsonNode link, JsonNode envelope, List<ObjectNode> results) throws ApiError {
        String href = AbiquoClient.href(link);
        for (int attempt = 1; ; attempt++) {
            List<ObjectNode> missing = missingResults(envelope, results);
            if (missing.isEmpty()) {
                return;
            }
            try {
                client.putJson(href, buildPutBody(envelope, missing), METADATA_MEDIA);
                return;
            } catch (ApiError error) {
                if (!retrying(attempt, error)) {
                    throw error;
                }
            }
            envelope = getJson(href, AbiquoClient.linkAccept(link, METADATA_MEDIA));
        }
    }

    /** When this entry's backup runs, as text. NOT_APPLY entries have no {@code time}: the backup system decides. */
    protected String plan(JsonNode vm, ScheduleEntry entry) {
        return describeTiming(entry.granularity(), entry.entry());
    }

    /** Stand-in for the backup system: "back up" the entry's disks or paths and describe the outcome. */
    ObjectNode performBackup(JsonNode vm, ScheduleEntry entry) {
        JsonNode items = entry.entry().path("disks");
        if (!items.isArray() || items.isEmpty()) {
            items = entry.entry().path("paths");
        }
        long size = GIB * Math.max(1, items.isArray() ? items.size() : 0);
        return makeResult(vm, entry, "ok", size, Instant.now());
    }

    /** The backup system's outcome as an Abiquo result status (done | progress | failed). */
    protected String resultStatus(String outcome) {
        return switch (outcome) {
            case "ok" -> "done";
            case "running" -> "progress";
            default -> "failed";
        };
    }

    ObjectNode makeResult(JsonNode vm, ScheduleEntry entry, String outcome, long size, Instant moment) {
        String vmId = vm.hasNonNull("id") ? vm.get("id").asText() : vm.path("name").asText();
        String unique = UUID.randomUUID().toString().replace("-", "");
        ObjectNode result = AbiquoClient.JSON.createObjectNode();
        result.put("id", String.join("-", vmId, entry.type(), entry.granularity(), unique));
        result.put("status", resultStatus(outcome));
        result.put("name", entry.type() + "-" + entry.granularity());
        result.put("type", entry.type());
        result.put("size", size);
        result.put("date", ABIQUO_DATE.format(moment));
        return result;
    }

    /** The envelope exactly as read, plus {@code results} appended to {@code metadata.backupResults.results}. */
    protected JsonNode buildPutBody(JsonNode envelope, List<ObjectNode> results) {
        ObjectNode metadata = (ObjectNode) envelope.get("metadata");
        if (!metadata.path("backupResults").isObject()) {
            metadata.putObject("backupResults");
        }
        ObjectNode backupResults = (ObjectNode) metadata.get("backupResults");
        if (!backupResults.path("results").isArray()) {
            backupResults.putArray("results");
        }
        ((ArrayNode) backupResults.get("results")).addAll(results);
        return envelope;
    }

    // ------------------------------------------------------------------------------------------- reading metadata

    /**
     * The type / granularity entries of a {@code backupSchedule}, in metadata order. Only type / granularity objects
     * count: {@code policies} and any other key are skipped, and so are empty type objects such as
     * {@code "snapshot": {}}.
     */
    static List<ScheduleEntry> scheduleEntries(JsonNode schedule) {
        List<ScheduleEntry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> types = schedule.fields(); types.hasNext(); ) {
            Map.Entry<String, JsonNode> type = types.next();
            if (!BACKUP_TYPES.contains(type.getKey()) || !type.getValue().isObject()) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = type.getValue().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> granularity = it.next();
                if (GRANULARITIES.contains(granularity.getKey()) && granularity.getValue().isObject()) {
                    entries.add(new ScheduleEntry(type.getKey(), granularity.getKey(), granularity.getValue()));
                }
            }
        }
        return entries;
    }

    /** Human-readable timing of a schedule entry; tolerates a missing {@code time} and missing day keys. */
    static String describeTiming(String granularity, JsonNode entry) {
        JsonNode time = entry.get("time");
        if (time == null || time.isNull() || time.asText().equals(NOT_APPLY)) {
            return "time decided by the backup system (NOT_APPLY)";
        }
        if (granularity.equals("hourly")) {
            return "every " + time.asText() + " hour(s)";
        }
        if (granularity.equals("weekly_planned")) {
            List<String> days = WEEKDAYS.stream().filter(day -> entry.path(day).asText().equalsIgnoreCase("true")).toList();
            return "at " + time.asText() + " on "
                    + (days.isEmpty() ? "days decided by the backup system" : String.join(",", days));
        }
        return "at " + time.asText();
    }

    /** The results whose id the envelope's {@code backupResults.results} does not hold yet. */
    static List<ObjectNode> missingResults(JsonNode envelope, List<ObjectNode> results) {
        Set<String> held = new HashSet<>();
        for (JsonNode result : envelope.path("metadata").path("backupResults").path("results")) {
            if (result.path("id").isTextual()) {
                held.add(result.get("id").asText());
            }
        }
        return results.stream().filter(result -> !held.contains(result.get("id").asText())).toList();
    }

    static String vmLabel(JsonNode vm) {
        return "VM '" + vm.path("name").asText() + "' (id " + vm.path("id").asText() + ")";
    }
}
