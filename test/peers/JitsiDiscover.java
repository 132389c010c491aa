import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;

/**
 * Plays the Jitsi desktop client's Bonjour provisioning discovery: JmDNS, the instance
 * "Provisioning URL" under _https._tcp then _http._tcp (2 s each), and the URL built from the
 * answer the way Jitsi builds it (JmDNS URL, then "?" and every TXT property but "path",
 * in JmDNS's enumeration order, with an "&" after each one that is followed by any property).
 *
 * Usage: JitsiDiscover ADDRESS [REPEAT]. One JSON line per look-up:
 * {url, type, server, port, addresses, properties, txt, elapsedMs}; exit 2 if a look-up found nothing.
 */
public final class JitsiDiscover {
    private static final String INSTANCE = "Provisioning URL";
    private static final String[] TYPES = {"_https._tcp.local.", "_http._tcp.local."};
    private static final int TIMEOUT_MS = 2000;

    public static void main(String[] args) throws Exception {
        InetAddress bind = InetAddress.getByName(args[0]);
        int repeat = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        boolean allFound = true;
        for (int i = 0; i < repeat; i++) {
            allFound &= lookUp(bind);
        }
        System.exit(allFound ? 0 : 2);
    }

    private static boolean lookUp(InetAddress bind) throws Exception {
        long started = System.nanoTime();
        // a fresh JmDNS per look-up, as Jitsi creates one per discovery: nothing cached
        JmDNS jmdns = JmDNS.create(bind);
        ServiceInfo info = null;
        try {
            for (String type : TYPES) {
                info = jmdns.getServiceInfo(type, INSTANCE, TIMEOUT_MS);
                if (info != null) break;
            }
            double elapsedMs = (System.nanoTime() - started) / 1e6;
            System.out.println(describe(info, elapsedMs));
            System.out.flush();
        } finally {
            jmdns.close();
        }
        return info != null;
    }

    /** Jitsi's URL: JmDNS's first URL for the protocol, then the query it appends. */
    private static String jitsiUrl(ServiceInfo info) {
        StringBuilder url = new StringBuilder();
        String[] urls = info.getURLs(info.getApplication());
        if (urls.length > 0) url.append(urls[0]);
        List<String> names = Collections.list(info.getPropertyNames());
        if (!names.isEmpty()) url.append('?');
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name.equals("path")) continue;
            url.append(name).append('=').append(info.getPropertyString(name));
            // Jitsi's separator depends on whether any name follows, "path" included
            if (i < names.size() - 1) url.append('&');
        }
        return url.length() > 0 ? url.toString() : null;
    }

    private static List<String> wireStrings(byte[] text) {
        List<String> strings = new ArrayList<>();
        int i = 0;
        while (text != null && i < text.length) {
            int length = text[i] & 0xff;
            strings.add(new String(text, i + 1, Math.min(length, text.length - i - 1), StandardCharsets.UTF_8));
            i += 1 + length;
        }
        return strings;
    }

    private static String describe(ServiceInfo info, double elapsedMs) {
        StringBuilder json = new StringBuilder("{");
        if (info == null) {
            json.append("\"url\":null");
        } else {
            json.append("\"url\":").append(quote(jitsiUrl(info)));
            json.append(",\"type\":").append(quote(info.getType()));
            json.append(",\"server\":").append(quote(info.getServer()));
            json.append(",\"port\":").append(info.getPort());
            List<String> addresses = new ArrayList<>();
            for (InetAddress address : info.getInetAddresses()) addresses.add(address.getHostAddress());
            json.append(",\"addresses\":").append(array(addresses));
            json.append(",\"properties\":{");
            List<String> names = Collections.list(info.getPropertyNames());
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) json.append(',');
                json.append(quote(names.get(i))).append(':').append(quote(info.getPropertyString(names.get(i))));
            }
            json.append('}');
            json.append(",\"txt\":").append(array(wireStrings(info.getTextBytes())));
        }
        json.append(",\"elapsedMs\":").append(String.format(Locale.ROOT, "%.3f", elapsedMs));
        return json.append('}').toString();
    }

    private static String array(List<String> values) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) out.append(',');
            out.append(quote(values.get(i)));
        }
        return out.append(']').toString();
    }

    private static String quote(String value) {
        if (value == null) return "null";
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                default:
                    if (c < 0x20) out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
