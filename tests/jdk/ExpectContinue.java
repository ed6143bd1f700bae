import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * One PUT the way a Java connector uploading with {@code expectContinue(true)} sends it, on JDK 17's HttpClient with
 * its default settings. Prints the status and the body of the answer.
 *
 * <p>java tests/jdk/ExpectContinue.java URL AUTHORIZATION BODY
 */
public class ExpectContinue {
    public static void main(String[] args) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(args[0]))
                .timeout(Duration.ofSeconds(10)) // JDK 17 does not apply it once an answer's headers have come
                .expectContinue(true)
                .header("Authorization", args[1])
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(args[2]))
                .build();
        HttpResponse<String> answer = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        System.out.println(answer.statusCode() + " " + answer.body());
    }
}
