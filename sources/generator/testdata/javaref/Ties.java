import java.io.*; import java.nio.file.*;
public class Ties { public static void main(String[] a) throws Exception {
  for (String l: Files.readAllLines(Paths.get(a[0]))) { double d=Double.longBitsToDouble(Long.parseUnsignedLong(l.trim(),16)); System.out.println(l.trim()+" "+Math.round(Math.pow(10.0,d*6.0)*100.0)); } } }
