package abiquo.connector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Minimal Abiquo 3.8 HTTP client of the example connectors: HTTP Basic on every request (sent up front, not after a
 * 401 challenge), Accept / Content-Type, JSON through Jackson's tree model, Abiquo error envelopes decoded into
 * {@link ApiError}, links by {@code rel}, and telling a transient failure from a final one.
 *
 * <p>The JDK's {@link HttpClient} is used with its defaults, as a vendor's connector would: it prefers HTTP/2 (on
 * plain http it offers an h2c upgrade), keeps connections alive and reuses them.
 */
final class AbiquoClient {
    static final String MEDIA_VERSION = "3.8";
    static final Duration TIMEOUT = Duration.ofSeconds(30); // per request
    private static final Set<Integer> TRANSIENT_STATUSES = Set.of(500, 502, 503, 504);
    // 409s that go away by themselves: a task holds the VM, or someone else updated it meanwhile
    private static final List<String> TRANSIENT_CODES = List.of("VM-2", "409-CONFLICT-StaleObject");

    /**
     * Trees keep every number exactly as sent (big integers, decimals with their digits), so a key the connector
     * does not own goes back as it came; non-ASCII is escaped, which is safe whatever charset the server assumes.
     */
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    final String apiUrl;
    private final String authorization;
    private final HttpClient http = HttpClient.newHttpClient();

    AbiquoClient(String apiUrl, String user, String password) {
        this.apiUrl = apiUrl.replaceAll("/+$", "");
        String token = user + ":" + password;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    }

    /** The client of ABIQUO_API_URL / ABIQUO_USER / ABIQUO_PASSWORD; null after naming what is missing. */
    static AbiquoClient fromEnvironment(Map<String, String> environment, List<String> missing) {
        for (String name : List.of("ABIQUO_API_URL", "ABIQUO_USER", "ABIQUO_PASSWORD")) {
            String value = environment.get(name);
            if (value == null || value.isEmpty()) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            return null;
        }
        return new AbiquoClient(
                environment.get("ABIQUO_API_URL"), environment.get("ABIQUO_USER"), environment.get("ABIQUO_PASSWORD"));
    }

    /** {@code mediaType("datacenters")} is {@code application/vnd.abiquo.datacenters+json; version=3.8}. */
    static String mediaType(String name) {
        return "application/vnd.abiquo." + name + "+json; version=" + MEDIA_VERSION;
    }

    /** The only place a URL is built by hand: the API root plus a path (for the first request). */
    String url(String path) {
        return apiUrl + "/" + path.replaceAll("^/+", "");
    }

    String getText(String url, String accept) throws ApiError {
        return send("GET", url, accept, null, null);
    }

    /** The decoded answer; a JSON null for an empty one. */
    JsonNode getJson(String url, String accept) throws ApiError {
        return decode("GET", url, getText(url, accept));
    }

    /** PUT {@code body} with Content-Type and Accept {@code media}; the decoded answer. */
    JsonNode putJson(String url, JsonNode body, String media) throws ApiError {
        String text;
        try {
            text = JSON.writeValueAsString(body);
        } catch (IOException e) { // Debian's Jackson declares IOException beside JsonProcessingException here
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
        return decode("PUT", url, send("PUT", url, media, text, media));
    }

    /** One request; the answer's text on a 2xx, otherwise an ApiError (status null: no whole answer came). */
    private String send(String method, String url, String accept, String body, String contentType) throws ApiError {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(TIMEOUT)
                .header("Authorization", authorization)
                .header("Accept", accept);
        if (body != null) {
            request.header("Content-Type", contentType);
        }
        request.method(method, body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // no answer, or one cut short: whether the request ran is unknown
            throw new ApiError(method, url, null, List.of(), e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(method, url, null, List.of(), "interrupted");
        }
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw new ApiError(method, url, status, decodeErrors(response.body()), response.body());
        }
        return response.body();
    }

    private static JsonNode decode(String method, String url, String text) throws ApiError {
        if (text.isBlank()) {
            return JSON.nullNode();
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ApiError(method, url, 200, List.of(), "not JSON: " + e.getOriginalMessage());
        }
    }

    /** The reasons of an Abiquo error body, or none when it is not one. */
    static List<ApiError.Reason> decodeErrors(String raw) {
        List<ApiError.Reason> reasons = new ArrayList<>();
        try {
            for (JsonNode item : JSON.readTree(raw).path("collection")) {
                if (item.isObject()) {
                    reasons.add(new ApiError.Reason(item.path("code").asText("?"), item.path("message").asText("")));
                }
            }
        } catch (JsonProcessingException e) {
            return List.of();
        }
        return reasons;
    }

    /** Whether trying the same request again may succeed. */
    static boolean isTransient(ApiError error) {
        if (error.status == null || TRANSIENT_STATUSES.contains(error.status)) {
            return true;
        }
        return TRANSIENT_CODES.stream().anyMatch(error::hasCode);
    }

    /** The first link of {@code entity} with this {@code rel}, or null. */
    static JsonNode findLink(JsonNode entity, String rel) {
        for (JsonNode link : entity.path("links")) {
            if (link.isObject() && rel.equals(link.path("rel").asText(null))) {
                return link;
            }
        }
        return null;
    }

    /** The link's href, or null when it has none. */
    static String href(JsonNode link) {
        JsonNode href = link == null ? null : link.get("href");
        return href != null && href.isTextual() && !href.asText().isEmpty() ? href.asText() : null;
    }

    /** The Accept header for following {@code link}: its {@code type} when it has one, else {@code fallback}. */
    static String linkAccept(JsonNode link, String fallback) {
        JsonNode type = link == null ? null : link.get("type");
        return type != null && type.isTextual() && !type.asText().isEmpty() ? type.asText() : fallback;
    }
}
