package abiquo.connector;

import java.util.List;

/** A non-2xx answer from the API, or no answer at all ({@code status} is null then). */
final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    private static final int SHOWN_RAW = 300;

    /** One Abiquo error of an error envelope {@code {"collection": [{"code", "message"}]}}. */
    record Reason(String code, String message) {}

    final String method;
    final String url;
    final Integer status;
    final List<Reason> errors;
    final String raw;

    ApiError(String method, String url, Integer status, List<Reason> errors, String raw) {
        super(describe(method, url, status, errors, raw));
        this.method = method;
        this.url = url;
        this.status = status;
        this.errors = List.copyOf(errors);
        this.raw = raw == null ? "" : raw;
    }

    boolean hasCode(String code) {
        return errors.stream().anyMatch(reason -> reason.code().equals(code));
    }

    private static String describe(String method, String url, Integer status, List<Reason> errors, String raw) {
        String head = status == null
                ? method + " " + url + ": no answer"
                : method + " " + url + " -> HTTP " + status;
        String details;
        if (!errors.isEmpty()) {
            details = String.join("; ", errors.stream().map(r -> r.code() + ": " + r.message()).toList());
        } else {
            String text = raw == null ? "" : raw.strip();
            details = text.isEmpty() ? "(empty body)" : text.substring(0, Math.min(SHOWN_RAW, text.length()));
        }
        return head + ": " + details;
    }
}
