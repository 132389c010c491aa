import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Properties;

/**
 * Reads stdin as a Jitsi client reads a provisioning answer (Properties.load(InputStream): bytes as
 * ISO-8859-1, backslash-u escapes) and prints every entry in file order, as "base64(key) base64(value)"
 * lines (UTF-8 inside the Base64).
 */
public class JavaProperties {
    public static void main(String[] args) throws Exception {
        byte[] body = System.in.readAllBytes();
        Properties props = new Properties() {
            @Override
            public synchronized Object put(Object key, Object value) {
                Base64.Encoder b64 = Base64.getEncoder();
                System.out.println(b64.encodeToString(((String) key).getBytes(StandardCharsets.UTF_8)) + " "
                    + b64.encodeToString(((String) value).getBytes(StandardCharsets.UTF_8)));
                return super.put(key, value);
            }
        };
        props.load(new ByteArrayInputStream(body));
    }
}
