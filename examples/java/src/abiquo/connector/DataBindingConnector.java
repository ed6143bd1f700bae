package abiquo.connector;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Broken connector: maps the metadata onto classes of its own with Jackson data binding and writes those back. The
 * classes declare everything Abiquo 3.8.5 documents ({@code backupSchedule} with its {@code policies},
 * {@code policyBindings}, {@code backupResults}), so every documented world works; but a VM's metadata is shared
 * with other tools, and their keys ({@code chef}, {@code startup-script}, anything a user stored) are dropped on
 * every write: {@code @JsonIgnoreProperties(ignoreUnknown = true)}, which made the mapping work against the API in
 * the first place, skips them on the way in.
 *
 * <p>Apart from that write it behaves exactly like {@link GoodConnector}. The integration suite's
 * {@code preserves-foreign-keys} check names the bug.
 */
public final class DataBindingConnector extends GoodConnector {
    private static final TypeReference<Map<String, Object>> RESULT = new TypeReference<>() {};

    /** The metadata as documented for 3.8.5. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Metadata {
        public BackupSchedule backupSchedule;
        public Map<String, Map<String, String>> policyBindings; // type -> granularity -> policy code
        public BackupResults backupResults;
    }

    /** Each backup type's entries by granularity (an entry's fields vary with it), and the bound policy codes. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class BackupSchedule {
        public Map<String, Map<String, Object>> complete;
        public Map<String, Map<String, Object>> snapshot;
        public Map<String, Map<String, Object>> filesystem;
        public List<String> policies;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class BackupResults {
        public List<Map<String, Object>> results = new ArrayList<>();
    }

    DataBindingConnector(AbiquoClient client) {
        super(client);
    }

    @Override
    protected String name() {
        return "DataBindingConnector";
    }

    public static void main(String[] args) {
        System.exit(launch("DataBindingConnector", DataBindingConnector::new));
    }

    @Override
    protected JsonNode buildPutBody(JsonNode envelope, List<ObjectNode> results) {
        // BUG: the PUT carries the connector's model of the metadata, not the metadata it read
        Metadata metadata;
        try {
            metadata = AbiquoClient.JSON.treeToValue(envelope.get("metadata"), Metadata.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("metadata that does not fit the model: " + e.getOriginalMessage(), e);
        }
        if (metadata.backupResults == null) {
            metadata.backupResults = new BackupResults();
        }
        for (ObjectNode result : results) {
            metadata.backupResults.results.add(AbiquoClient.JSON.convertValue(result, RESULT));
        }
        ObjectNode body = AbiquoClient.JSON.createObjectNode();
        body.set("metadata", AbiquoClient.JSON.valueToTree(metadata));
        return body;
    }
}
