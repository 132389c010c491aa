import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * What Jitsi's credential store (AESCrypto) makes of a password, with the JDK's own JCE: the same
 * calls, constants and null-master-password rule. stdin: Base64 lines, the master password first
 * (ignored with argument "default", as when none is set), then the passwords. stdout: one
 * ENCRYPTED_PASSWORD value per password.
 */
public class JitsiEncrypt {
    private static final byte[] SALT = { 0x0C, 0x0A, 0x0F, 0x0E, 0x0B, 0x0E, 0x0E, 0x0F };

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String masterPassword = decode(in.readLine());
        if (args.length > 0 && args[0].equals("default")) masterPassword = null;
        // AESCrypto: "if the password is empty, we get an exception constructing the key"
        if (masterPassword == null) masterPassword = " ";
        SecretKeyFactory factory = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1");
        PBEKeySpec spec = new PBEKeySpec(masterPassword.toCharArray(), SALT, 1024, 256);
        SecretKey tmp = factory.generateSecret(spec);
        SecretKeySpec key = new SecretKeySpec(tmp.getEncoded(), "AES");
        Cipher cipher = Cipher.getInstance("AES/ECB/PKCS5PADDING");
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            cipher.init(Cipher.ENCRYPT_MODE, key);
            byte[] encrypted = cipher.doFinal(decode(line).getBytes("UTF-8"));
            System.out.println(Base64.getEncoder().encodeToString(encrypted));
        }
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
